/// The text of `reconcile import RESOURCE…`: each object found, how it differs from the manifests, and what was done.
/// Rendered from the checks; a secret's value is never shown.
public enum AdoptionReport {
  /// `container/api: container 3b96fc60cb6e (running) matches the manifests` and, when it does not, one line per
  /// difference.
  public static func lines(_ check: AdoptionCheck) -> [String] {
    guard !check.differences.isEmpty else { return ["\(check.id): \(check.object) matches the manifests"] }
    let n = check.differences.count
    return ["\(check.id): \(check.object) differs from the manifests in \(n) attribute\(n == 1 ? "" : "s"):"]
      + check.differences.map { "  " + line($0) }
  }

  static func line(_ d: AdoptionDifference) -> String {
    if d.sensitive { return "\(d.attribute): differs (a secret: neither value is shown)" }
    if d.content { return "\(d.attribute): differs (reconcile plan shows the lines)" }
    func shown(_ v: String?) -> String { v.map { "'\($0)'" } ?? "none" }
    guard let wanted = d.wanted else {
      return "\(d.attribute): \(shown(d.live)) on the object; the manifests declare none, so reconcile would create it without"
    }
    return "\(d.attribute): \(shown(d.live)) on the object, \(shown(wanted)) in the manifests"
  }
}
