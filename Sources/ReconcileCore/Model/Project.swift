/// The project a set of manifests and their state form on a shared Docker Engine: every object reconcile creates
/// carries its name (`io.reconcile.project`), and an object of another project is never taken, replaced or pruned,
/// whatever its name. Declared as `"project": "shop"` in the manifests, or derived from the state's lineage.
public enum Project {
  /// The project name in force: the declared one, else one derived from the state's lineage (nil before a state has one).
  public static func resolve(declared: String?, lineage: String) -> String? {
    declared ?? (lineage.isEmpty ? nil : "lineage-" + lineage.prefix(12))
  }

  /// `[a-z0-9][a-z0-9_-]*`, at most 40 characters.
  public static func isValidName(_ s: String) -> Bool {
    guard let first = s.first, s.count <= 40, first.isASCII, first.isLetter || first.isNumber else { return false }
    return s.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }
  }
}
