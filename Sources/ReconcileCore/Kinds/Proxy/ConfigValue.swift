/// What a site may render into an nginx or Caddy configuration. Both read `;`, `{`, `}`, quotes, `#`, `$` (nginx
/// variables, Caddy placeholders), backslashes, whitespace and control characters as syntax, so a value holding one
/// could end a directive and add another. Values are checked against a plain character set at decode, so nothing
/// needs quoting when rendered.
enum ConfigValue {
  /// Characters a path or a URL path prefix may hold.
  static let pathCharacters = "/._-~@+=,%:"

  static func isPlainPathCharacter(_ c: Character) -> Bool {
    c.isASCII && (c.isLetter || c.isNumber || pathCharacters.contains(c))
  }

  /// Digits, then at most one of `units` (`10m`, `512k`, `4096`).
  static func isSize(_ s: String, units: String) -> Bool {
    var digits = 0
    var unit = false
    for c in s {
      if unit { return false }
      if c.isASCII, c.isNumber {
        digits += 1
      } else if digits > 0, units.contains(c) {
        unit = true
      } else {
        return false
      }
    }
    return digits > 0
  }

  /// Requests a second or a minute: `10r/s`, `600r/m`.
  static func isRequestRate(_ s: String) -> Bool {
    guard s.hasSuffix("r/s") || s.hasSuffix("r/m") else { return false }
    let n = s.dropLast(3)
    return !n.isEmpty && n.allSatisfy { $0.isASCII && $0.isNumber }
  }

  /// A filesystem path (`/srv/www`) or a URL path prefix (`/jules/`) made only of plain characters.
  static func isPlainPath(_ s: String) -> Bool { s.hasPrefix("/") && s.allSatisfy(isPlainPathCharacter) }

  /// A host as a listen address or an upstream names it: a DNS name or IPv4 address, or an IPv6 address in brackets.
  static func isPlainHost(_ s: String) -> Bool {
    if s.hasPrefix("["), s.hasSuffix("]") { return s.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } && s.count > 2 }
    return !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
  }

  /// `HOST:PORT` or `PORT`, with a plain host and a port in 1...65535.
  static func isPlainAddress(_ s: String, portRequired: Bool) -> Bool {
    guard let colon = s.lastIndex(of: ":") else { return !portRequired && isPort(s) }
    return isPlainHost(String(s[..<colon])) && isPort(String(s[s.index(after: colon)...]))
  }

  static func isPort(_ s: String) -> Bool { s.allSatisfy(\.isASCII) && Int(s).map { (1...65535).contains($0) } == true && s.first != "+" }

  /// Why `s` is refused, for the message: the first character the configuration would read as syntax.
  static func offending(_ s: String) -> String {
    guard let c = s.first(where: { !isPlainPathCharacter($0) }) else { return "" }
    let shown =
      c.unicodeScalars.allSatisfy { $0.properties.generalCategory == .control } || c == " " || c == "\t"
      ? c.unicodeScalars.map { "U+\(String($0.value, radix: 16, uppercase: true))" }.joined() : "'\(c)'"
    return "; \(shown) is not allowed: nginx and Caddy read it as syntax"
  }
}
