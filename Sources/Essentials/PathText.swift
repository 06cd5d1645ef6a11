/// Path arithmetic on text. `NSString.deletingLastPathComponent` traps on a one-character path in the Foundation
/// this builds with (`--manifests m` crashed reconcile); this is the same function without it.
public enum PathText {
  /// The path without its last component: `a/b` -> `a`, `/a` -> `/`, `a` -> ``, `/` -> `/`, `a/b/` -> `a`.
  public static func parent(_ path: String) -> String {
    var p = Substring(path)
    while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
    guard let slash = p.lastIndex(of: "/") else { return "" }
    if slash == p.startIndex { return "/" }
    var parent = p[..<slash]
    while parent.count > 1, parent.hasSuffix("/") { parent = parent.dropLast() }
    return String(parent)
  }
}
