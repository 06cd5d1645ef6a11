/// A strict JSON parser (RFC 8259) into `JSONTree`, for files people write by hand: every error names its line and
/// column, a key given twice in one object is an error (parsers disagree on which value wins), and nesting deeper
/// than `maxDepth` is refused rather than exhausting the stack.
public struct JSONParser {
  public struct Failure: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "line \(line), column \(column): \(message)" }
  }

  public static let maxDepth = 256

  // Inlinable, so that each caller's module has the parser specialised for its leaf (a generic parser called across
  // modules instantiated type metadata at run time for every value: a tenth of reading 10,000 resources).
  @usableFromInline let bytes: [UInt8]
  @usableFromInline var at = 0

  @usableFromInline init(bytes: [UInt8]) { self.bytes = bytes }

  /// Parses one JSON value filling the whole text (a UTF-8 byte order mark is skipped).
  @inlinable public static func parse<Leaf: JSONLeaf>(_ bytes: [UInt8], as: Leaf.Type = Leaf.self) throws(Failure) -> JSONTree<Leaf> {
    var p = JSONParser(bytes: bytes)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { p.at = 3 }
    p.skipSpace()
    let value: JSONTree<Leaf> = try p.value(depth: 0)
    try p.end()
    return value
  }

  /// Like `parse`, for a document that is an object with one long array member, `key`: its items are handed to
  /// `each` as they are read, and never held all at once (`state.json`'s resources); in the object returned that
  /// member is an empty array. `each` returns false to stop reading: the result is then nil.
  @inlinable public static func parse<Leaf: JSONLeaf>(
    _ bytes: [UInt8], as: Leaf.Type = Leaf.self, streaming key: String, each: (JSONTree<Leaf>) -> Bool
  ) throws(Failure) -> [String: JSONTree<Leaf>]? {
    var p = JSONParser(bytes: bytes)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { p.at = 3 }
    p.skipSpace()
    guard p.at < bytes.count, bytes[p.at] == UInt8(ascii: "{") else { throw p.failure("expected an object, found \(p.shown)") }
    var members: [String: JSONTree<Leaf>] = [:]
    var streamed = false, stopped = false
    let open = p.at
    do {
      try p.eachMember { p, name, keyAt throws(Failure) in
        guard name == key, p.at < bytes.count, bytes[p.at] == UInt8(ascii: "[") else {
          if members.updateValue(try p.value(depth: 1), forKey: name) != nil || (name == key && streamed) { throw p.repeated(name, at: keyAt, inObjectAt: open) }
          return
        }
        if streamed || members[name] != nil { throw p.repeated(name, at: keyAt, inObjectAt: open) }
        streamed = true
        try p.eachItem { p throws(Failure) in
          guard each(try p.value(depth: 2)) else {
            stopped = true
            throw p.failure("stopped")
          }
        }
      }
    } catch {
      if stopped { return nil }
      throw error
    }
    try p.end()
    if streamed { members[key] = .array([]) }
    return members
  }

  @usableFromInline func failure(_ message: String, at position: Int? = nil) -> Failure {
    let end = min(position ?? at, bytes.count)
    var line = 1, lineStart = 0
    for i in 0..<end where bytes[i] == 0x0A {
      line += 1
      lineStart = i + 1
    }
    // Columns count characters, not bytes.
    let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).count + 1
    return Failure(line: line, column: column, message: message)
  }

  /// The character at the current position, for messages.
  @usableFromInline var shown: String {
    guard at < bytes.count else { return "the end of the document" }
    let c = bytes[at]
    if c < 0x20 { return "a control character (U+\(String(c, radix: 16, uppercase: true)))" }
    if c < 0x80 { return "'\(Character(Unicode.Scalar(c)))'" }
    return "a non-ASCII character"
  }

  @inlinable mutating func skipSpace() {
    while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
  }

  @inlinable mutating func value<Leaf: JSONLeaf>(depth: Int) throws(Failure) -> JSONTree<Leaf> {
    guard depth < Self.maxDepth else { throw failure("nested deeper than \(Self.maxDepth) levels") }
    guard at < bytes.count else { throw failure("expected a value, found the end of the document") }
    switch bytes[at] {
    case UInt8(ascii: "{"): return try object(depth: depth)
    case UInt8(ascii: "["): return try array(depth: depth)
    case UInt8(ascii: "\""): return .string(Leaf(jsonString: try string()))
    case UInt8(ascii: "t"): return try literal("true", .bool(true))
    case UInt8(ascii: "f"): return try literal("false", .bool(false))
    case UInt8(ascii: "n"): return try literal("null", .null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
    default: throw failure("expected a value, found \(shown)")
    }
  }

  @inlinable mutating func literal<Leaf: JSONLeaf>(_ word: String, _ value: JSONTree<Leaf>) throws(Failure) -> JSONTree<Leaf> {
    let w = Array(word.utf8)
    guard bytes.count - at >= w.count, Array(bytes[at..<at + w.count]) == w else { throw failure("expected a value, found \(shown)") }
    at += w.count
    return value
  }

  @inlinable mutating func object<Leaf: JSONLeaf>(depth: Int) throws(Failure) -> JSONTree<Leaf> {
    var members: [String: JSONTree<Leaf>] = [:]
    let open = at
    try eachMember { p, key, keyAt throws(Failure) in
      // One hash per member; a key given twice is found by the insert, and where it was first given by reading the
      // object again (only then: a list of every key's position cost a tenth of parsing).
      if members.updateValue(try p.value(depth: depth + 1), forKey: key) != nil { throw p.repeated(key, at: keyAt, inObjectAt: open) }
    }
    return .object(members)
  }

  /// Walks the object opening at `at`: `member(parser, key, keyAt)` is called at each member's value, which it reads.
  @inlinable mutating func eachMember(_ member: (inout JSONParser, String, Int) throws(Failure) -> Void) throws(Failure) {
    at += 1
    skipSpace()
    if at < bytes.count, bytes[at] == UInt8(ascii: "}") {
      at += 1
      return
    }
    while true {
      skipSpace()
      guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw failure("expected a key in double quotes, found \(shown)") }
      let keyAt = at
      let key = try string()
      skipSpace()
      guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw failure("expected ':' after the key '\(key)', found \(shown)") }
      at += 1
      skipSpace()
      try member(&self, key, keyAt)
      skipSpace()
      guard at < bytes.count else { throw failure("expected ',' or '}' after a member, found the end of the document") }
      if bytes[at] == UInt8(ascii: ",") {
        at += 1
        continue
      }
      guard bytes[at] == UInt8(ascii: "}") else { throw failure("expected ',' or '}' after a member, found \(shown)") }
      at += 1
      return
    }
  }

  /// Past the value: only white space may follow it.
  @inlinable mutating func end() throws(Failure) {
    skipSpace()
    guard at == bytes.count else { throw failure("expected the end of the document after the value, found \(shown)") }
  }

  /// The error for `key` given again at `keyAt` in the object opening at `open`, naming where it was first given.
  @usableFromInline func repeated(_ key: String, at keyAt: Int, inObjectAt open: Int) -> Failure {
    let f = failure("", at: firstKey(key, inObjectAt: open))
    return failure("the key '\(key)' is given twice in one object (first at line \(f.line), column \(f.column))", at: keyAt)
  }

  /// Where `key` is first given among the members of the object opening at `open` (which parsed up to a repeat of it).
  @usableFromInline func firstKey(_ key: String, inObjectAt open: Int) -> Int {
    var p = JSONParser(bytes: bytes)
    p.at = open + 1
    while true {
      p.skipSpace()
      let keyAt = p.at
      guard let k = try? p.string(), k != key else { return keyAt }
      p.skipSpace()
      p.at += 1  // ':'
      p.skipSpace()
      guard (try? p.value(depth: 0) as JSONTree<String>) != nil else { return keyAt }
      p.skipSpace()
      p.at += 1  // ','
    }
  }

  @inlinable mutating func array<Leaf: JSONLeaf>(depth: Int) throws(Failure) -> JSONTree<Leaf> {
    var items: [JSONTree<Leaf>] = []
    try eachItem { p throws(Failure) in items.append(try p.value(depth: depth + 1)) }
    return .array(items)
  }

  /// Walks the array opening at `at`: `item(parser)` is called at each item, which it reads.
  @inlinable mutating func eachItem(_ item: (inout JSONParser) throws(Failure) -> Void) throws(Failure) {
    at += 1
    skipSpace()
    if at < bytes.count, bytes[at] == UInt8(ascii: "]") {
      at += 1
      return
    }
    _ = try items(stoppingAt: nil, item)
  }

  /// Walks the items of an array from where one starts to past its `]`: `item(parser)` is called at each, which it
  /// reads. Returns false, having read nothing of it, when an item starts at `stop`.
  @inlinable mutating func items(stoppingAt stop: Int?, _ item: (inout JSONParser) throws(Failure) -> Void) throws(Failure) -> Bool {
    while true {
      skipSpace()
      if at == stop { return false }
      try item(&self)
      skipSpace()
      guard at < bytes.count else { throw failure("expected ',' or ']' after an item, found the end of the document") }
      if bytes[at] == UInt8(ascii: ",") {
        at += 1
        continue
      }
      guard bytes[at] == UInt8(ascii: "]") else { throw failure("expected ',' or ']' after an item, found \(shown)") }
      at += 1
      return true
    }
  }

  @inlinable mutating func number() throws(Failure) -> Double {
    let start = at
    if bytes[at] == UInt8(ascii: "-") { at += 1 }
    func digits() -> Int {
      let s = at
      while at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9") { at += 1 }
      return at - s
    }
    guard at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9") else { throw failure("expected a digit, found \(shown)") }
    if bytes[at] == UInt8(ascii: "0") { at += 1 } else { _ = digits() }
    if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
      at += 1
      guard digits() > 0 else { throw failure("expected a digit after '.', found \(shown)") }
    }
    if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
      at += 1
      if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
      guard digits() > 0 else { throw failure("expected a digit in the exponent, found \(shown)") }
    }
    guard let n = Double(String(decoding: bytes[start..<at], as: UTF8.self)) else { throw failure("not a number", at: start) }
    return n
  }

  @inlinable mutating func string() throws(Failure) -> String {
    let open = at
    at += 1
    // Most strings have no escape: taken whole from the bytes.
    var end = at
    var high: UInt8 = 0  // every byte or-ed: below 0x80, the string is ASCII
    while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
      high |= bytes[end]
      end += 1
    }
    if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
      // ASCII cannot be invalid UTF-8: taken as it is (the generic validation of a slice was a tenth of reading
      // 10,000 resources); anything else is validated.
      let s: String
      if high < 0x80 {
        s = bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[at..<end]), as: UTF8.self) }
      } else {
        guard let valid = String(validating: bytes[at..<end], as: UTF8.self) else { throw failure("the string holds bytes that are not UTF-8", at: open) }
        s = valid
      }
      at = end + 1
      return s
    }
    var out: [UInt8] = Array(bytes[at..<end])
    at = end
    while true {
      guard at < bytes.count else { throw failure("the string opened here is never closed", at: open) }
      let c = bytes[at]
      switch c {
      case UInt8(ascii: "\""):
        at += 1
        guard let s = String(validating: out, as: UTF8.self) else { throw failure("the string holds bytes that are not UTF-8", at: open) }
        return s
      case UInt8(ascii: "\\"):
        at += 1
        guard at < bytes.count else { throw failure("the string opened here is never closed", at: open) }
        let e = bytes[at]
        at += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if (0xD800..<0xDC00).contains(scalar) {
            guard bytes.count - at >= 6, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
              throw failure("a \\u escape of a high surrogate must be followed by its low surrogate", at: at - 6)
            }
            at += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw failure("a \\u escape of a high surrogate must be followed by its low surrogate", at: at - 6) }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let u = Unicode.Scalar(scalar) else { throw failure("\\u escape of a lone surrogate", at: at - 6) }
          out.append(contentsOf: Array(String(Character(u)).utf8))
        default: throw failure("unknown escape '\\\(Character(Unicode.Scalar(e)))' in a string", at: at - 2)
        }
      case 0..<0x20:
        throw failure("a control character (U+\(String(c, radix: 16, uppercase: true))) in a string: write it as an escape such as \\n")
      default:
        out.append(c)
        at += 1
      }
    }
  }

  @inlinable mutating func hex4() throws(Failure) -> UInt32 {
    guard bytes.count - at >= 4, let v = UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16) else {
      throw failure("expected four hex digits after \\u")
    }
    at += 4
    return v
  }
}
