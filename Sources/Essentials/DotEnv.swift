import Foundation

/// The `.env` grammar of reconcile and jules, following docker compose's env-file rules: `KEY=value` lines, `#`
/// comment lines, blank lines, an optional `export ` prefix; CRLF line endings read as LF. Unquoted values end at an
/// inline comment (` #`, the `#` after white space) and are trimmed; single-quoted values are literal (`\'` is a
/// quote); double-quoted values understand `\n`, `\r`, `\t`, `\\` and `\"`; either quote may span lines, and a
/// comment may follow the closing quote. Unlike compose, `${VAR}` is not expanded: a value is what the file says.
public enum DotEnv {
  /// A line that is not `KEY=value`, or a quote that never closes. Names the line, never the value.
  public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
  }

  public static func parse(_ text: String) throws(Malformed) -> [String: String] {
    let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var out: [String: String] = [:]
    var i = 0
    while i < lines.count {
      let number = i + 1
      var line = Substring(lines[i])
      i += 1
      line = line.drop { $0 == " " || $0 == "\t" }
      if line.isEmpty || line.first == "#" { continue }
      if line.hasPrefix("export ") { line = line.dropFirst(7).drop { $0 == " " } }
      guard let eq = line.firstIndex(of: "=") else { throw Malformed(line: number, reason: "expected KEY=value") }
      let key = line[..<eq].trimmingCharacters(in: [" ", "\t"])
      guard !key.isEmpty, !key.contains(where: \.isWhitespace) else { throw Malformed(line: number, reason: "expected KEY=value, with no space in KEY") }
      var rest = line[line.index(after: eq)...].drop { $0 == " " || $0 == "\t" }
      guard let quote = rest.first, quote == "\"" || quote == "'" else {
        out[key] = unquoted(rest)
        continue
      }
      rest = rest.dropFirst()
      var value = ""
      while true {
        let (text, closed) = quoted(rest, quote: quote)
        value += text
        if closed { break }
        guard i < lines.count else { throw Malformed(line: number, reason: "the quote \(quote) is never closed") }
        value += "\n"
        rest = Substring(lines[i])
        i += 1
      }
      out[key] = value
    }
    return out
  }

  /// An unquoted value: up to an inline comment (a `#` after white space), trimmed.
  static func unquoted(_ rest: Substring) -> String {
    var end = rest.endIndex
    var previous: Character = " "
    for idx in rest.indices {
      if rest[idx] == "#", previous == " " || previous == "\t" {
        end = idx
        break
      }
      previous = rest[idx]
    }
    return rest[..<end].trimmingCharacters(in: [" ", "\t"])
  }

  /// The text of a quoted value on one line, and whether its closing quote was on that line (what follows it is ignored).
  static func quoted(_ rest: Substring, quote: Character) -> (String, Bool) {
    var out = ""
    var idx = rest.startIndex
    while idx < rest.endIndex {
      let c = rest[idx]
      if c == quote { return (out, true) }
      if c == "\\", rest.index(after: idx) < rest.endIndex {
        let next = rest[rest.index(after: idx)]
        let escaped: Character? =
          quote == "'"
          ? (next == "'" ? "'" : nil)
          : ["n": "\n", "r": "\r", "t": "\t", "\\": "\\", "\"": "\""][next]
        if let escaped {
          out.append(escaped)
          idx = rest.index(idx, offsetBy: 2)
          continue
        }
      }
      out.append(c)
      idx = rest.index(after: idx)
    }
    return (out, false)
  }
}
