/// Path arithmetic on text. `NSString.deletingLastPathComponent` traps on a one-character path in the Foundation
/// this builds with (`--manifests m` crashed reconcile); this is the same function without it.
public enum PathText {
  /// The path without its last component: `a/b` -> `a`, `/a` -> `/`, `a` -> ``, `/` -> `/`, `a/b/` -> `a`. On the
  /// UTF-8 bytes, as the kernel reads a path (counting characters here was most of finding 10,000 files' directories).
  public static func parent(_ path: String) -> String {
    let slash = UInt8(ascii: "/")
    var path = path
    return path.withUTF8 { u -> String in
      var end = u.count
      while end > 1, u[end - 1] == slash { end -= 1 }
      guard var cut = u[..<end].lastIndex(of: slash) else { return "" }
      if cut == 0 { return "/" }
      while cut > 1, u[cut - 1] == slash { cut -= 1 }
      return String(decoding: UnsafeBufferPointer(rebasing: u[..<cut]), as: UTF8.self)
    }
  }

  /// The path with `.`, `..` and repeated or trailing slashes taken out, by its text alone (no look at the file
  /// system, no symbolic link followed): `/a//b/./c/../d/` -> `/a/b/d`, `/..` -> `/`, `a/../..` -> `..`.
  public static func lexical(_ path: String) -> String {
    if isLexical(path) { return path }
    let absolute = path.hasPrefix("/")
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == ".." {
        if let last = parts.last, last != ".." {
          parts.removeLast()
          continue
        }
        if absolute { continue }
      }
      parts.append(part)
    }
    let joined = parts.joined(separator: "/")
    return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
  }

  /// Whether `lexical` would leave `path` as it is: no empty, `.` or `..` component, no trailing slash.
  static func isLexical(_ path: String) -> Bool {
    var component = 0  // bytes of the current component so far
    var dots = 0  // of which dots
    var first = true
    for b in path.utf8 {
      if b == UInt8(ascii: "/") {
        if !(first && component == 0) && (component == 0 || dots == component && dots <= 2) { return false }
        first = false
        component = 0
        dots = 0
      } else {
        component += 1
        if b == UInt8(ascii: ".") { dots += 1 }
      }
    }
    if path == "/" { return true }
    return component > 0 && !(dots == component && dots <= 2)
  }
}

extension StringProtocol {
  /// Without spaces and tabs at either end (Foundation's `trimmingCharacters(in:)` goes through character sets and
  /// locks: a sixth of planning 200 sites).
  public var trimmingBlanks: String {
    let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
    return String(self[first...last])
  }
}
