import Foundation

/// The `.dockerignore` rules of a build context, as the docker CLI applies them before sending it:
/// patterns in order, `*` and `?` within one path segment, `**` across segments, `!` re-includes,
/// and a pattern that matches a directory excludes everything under it. The Dockerfile and
/// `.dockerignore` itself are always sent (the Engine needs them).
struct DockerIgnore: Sendable {
  private struct Rule: @unchecked Sendable {
    var regex: NSRegularExpression
    var exclude: Bool
  }
  private let rules: [Rule]
  private let alwaysSent: Set<String>

  /// Reads `context/.dockerignore` if there is one (no rules otherwise).
  init(context: String, dockerfile: String) throws {
    let path = context + "/.dockerignore"
    let text = FileManager.default.fileExists(atPath: path) ? try String(contentsOfFile: path, encoding: .utf8) : ""
    self.init(text, dockerfile: dockerfile)
  }

  init(_ text: String, dockerfile: String = "Dockerfile") {
    var rules: [Rule] = []
    for raw in text.split(whereSeparator: \.isNewline) {
      var line = raw.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") { continue }
      var exclude = true
      if line.hasPrefix("!") {
        exclude = false
        line = String(line.dropFirst()).trimmingCharacters(in: .whitespaces)
      }
      let cleaned = Self.clean(line)
      if cleaned.isEmpty { continue }
      if let regex = try? NSRegularExpression(pattern: Self.regex(for: cleaned)) { rules.append(Rule(regex: regex, exclude: exclude)) }
    }
    self.rules = rules
    alwaysSent = [Self.clean(dockerfile), ".dockerignore"]
  }

  /// Whether `relativePath` (inside the context, `/`-separated) is left out of the build context.
  func excludes(_ relativePath: String) -> Bool {
    let path = Self.clean(relativePath)
    if alwaysSent.contains(path) || rules.isEmpty { return false }
    // A path is matched by a pattern when it or one of its parent directories is.
    var candidates: [String] = []
    var prefix = ""
    for segment in path.split(separator: "/") {
      prefix = prefix.isEmpty ? String(segment) : prefix + "/" + segment
      candidates.append(prefix)
    }
    var excluded = false
    for rule in rules where candidates.contains(where: { Self.matches(rule.regex, $0) }) {
      excluded = rule.exclude
    }
    return excluded
  }

  static func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
    regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
  }

  /// `./a//b/` -> `a/b`; a leading `/` is the context root.
  static func clean(_ path: String) -> String {
    path.split(separator: "/").filter { $0 != "." && !$0.isEmpty }.joined(separator: "/")
  }

  /// `**` any number of segments, `*` within a segment, `?` one character, `[...]` as given.
  static func regex(for pattern: String) -> String {
    var out = "^"
    let chars = Array(pattern)
    var i = 0
    while i < chars.count {
      let c = chars[i]
      switch c {
      case "*":
        if i + 1 < chars.count, chars[i + 1] == "*" {
          i += 1
          if i + 1 < chars.count, chars[i + 1] == "/" {
            i += 1
            out += "(.*/)?"
          } else {
            out += ".*"
          }
        } else {
          out += "[^/]*"
        }
      case "?": out += "[^/]"
      case "[":
        if let close = chars[(i + 1)...].firstIndex(of: "]") {
          out += "[" + String(chars[(i + 1)..<close]).replacingOccurrences(of: "\\", with: "\\\\") + "]"
          i = close
        } else {
          out += "\\["
        }
      case "\\":
        if i + 1 < chars.count {
          i += 1
          out += NSRegularExpression.escapedPattern(for: String(chars[i]))
        }
      default: out += NSRegularExpression.escapedPattern(for: String(c))
      }
      i += 1
    }
    return out + "$"
  }
}
