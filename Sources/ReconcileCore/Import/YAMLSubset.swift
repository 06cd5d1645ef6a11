import Essentials

/// The YAML that compose files are written in, read into a tree: block mappings and sequences by indentation (a
/// sequence may sit at its key's indentation), flow `[…]` and `{…}`, plain, single- and double-quoted scalars,
/// `|` and `>` blocks, comments, `---`, anchors `&a` with aliases `*a` and merges `<<: *a`. Tags, complex keys and
/// multi-document streams are refused with the line. Not a general YAML parser: enough for docker compose.
public enum YAMLNode: Equatable, Sendable {
  /// A scalar and whether it was quoted (`"3"` is the text 3; plain `3` may be a number).
  case scalar(String, quoted: Bool)
  case sequence([YAMLNode])
  case mapping([(key: String, value: YAMLNode)])
  case null

  public static func == (a: YAMLNode, b: YAMLNode) -> Bool {
    switch (a, b) {
    case (.scalar(let x, let p), .scalar(let y, let q)): x == y && p == q
    case (.sequence(let x), .sequence(let y)): x == y
    case (.mapping(let x), .mapping(let y)): x.map(\.key) == y.map(\.key) && x.map(\.value) == y.map(\.value)
    case (.null, .null): true
    default: false
    }
  }

  public subscript(key: String) -> YAMLNode? {
    if case .mapping(let pairs) = self { return pairs.last { $0.key == key }?.value }
    return nil
  }

  /// A scalar's text (nil for null, a sequence or a mapping).
  public var text: String? {
    if case .scalar(let s, _) = self { return s }
    return nil
  }
}

public struct YAMLError: Error, Equatable, CustomStringConvertible {
  public var line: Int
  public var message: String
  public var description: String { "line \(line): \(message)" }
}

public struct YAMLSubset {
  struct Line {
    var number: Int
    var indent: Int
    var text: String  // without indentation and comment
  }

  var lines: [Line] = []
  var at = 0
  var anchors: [String: YAMLNode] = [:]
  let raw: [String]
  var depth = 0
  /// Nesting beyond this is refused rather than exhausting the stack.
  static let maxDepth = 128

  public static func parse(_ text: String) throws(YAMLError) -> YAMLNode {
    var p = YAMLSubset(raw: text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) })
    try p.prepare()
    guard !p.lines.isEmpty else { return .null }
    let node = try p.node(indent: p.lines[0].indent)
    if p.at < p.lines.count { throw YAMLError(line: p.lines[p.at].number, message: "unexpected '\(p.lines[p.at].text)' (check its indentation)") }
    return node
  }

  init(raw: [String]) { self.raw = raw }

  mutating func prepare() throws(YAMLError) {
    for (i, rawLine) in raw.enumerated() {
      let indent = rawLine.prefix { $0 == " " }.count
      if rawLine.dropFirst(indent).hasPrefix("\t") { throw YAMLError(line: i + 1, message: "a tab in indentation (YAML indents with spaces)") }
      let body = Self.withoutComment(String(rawLine.dropFirst(indent)))
      if body.isEmpty { continue }
      if body == "---" {
        if !lines.isEmpty { throw YAMLError(line: i + 1, message: "a second document ('---'): one compose file holds one") }
        continue
      }
      if body == "..." { break }
      lines.append(Line(number: i + 1, indent: indent, text: body))
    }
  }

  /// The text before a comment (`#` at the start or after a space, outside quotes), without trailing spaces.
  static func withoutComment(_ s: String) -> String {
    var out = ""
    var quote: Character?
    var previous: Character = " "
    for c in s {
      if let q = quote {
        if c == q { quote = nil }
      } else if c == "\"" || c == "'" {
        if previous == " " || previous == "[" || previous == "{" || previous == "," || previous == ":" || previous == "-" { quote = c }
      } else if c == "#", previous == " " || previous == "\t" {
        break
      }
      out.append(c)
      previous = c
    }
    while out.last == " " || out.last == "\t" { out.removeLast() }
    return out
  }

  /// The node whose lines start at the current line, indented `indent`.
  mutating func node(indent: Int) throws(YAMLError) -> YAMLNode {
    let line = lines[at]
    depth += 1
    defer { depth -= 1 }
    guard depth < Self.maxDepth else { throw YAMLError(line: line.number, message: "nested deeper than \(Self.maxDepth) levels") }
    if line.text == "-" || line.text.hasPrefix("- ") { return try sequence(indent: line.indent) }
    if Self.splitKey(line.text) != nil { return try mapping(indent: line.indent) }
    at += 1
    return try scalarOrFlow(line.text, line: line.number)
  }

  mutating func sequence(indent: Int) throws(YAMLError) -> YAMLNode {
    var items: [YAMLNode] = []
    while at < lines.count, lines[at].indent == indent, lines[at].text == "-" || lines[at].text.hasPrefix("- ") {
      let line = lines[at]
      let rest = line.text == "-" ? "" : String(line.text.dropFirst(2).drop { $0 == " " })
      if rest.isEmpty {
        at += 1
        items.append(at < lines.count && lines[at].indent > indent ? try node(indent: lines[at].indent) : .null)
      } else if rest.hasPrefix("- ") || Self.splitKey(rest) != nil {
        // `- key: value` (or `- - x`): the item starts on this line, at the column after '- '.
        let column = indent + (line.text.count - rest.count)
        lines[at] = Line(number: line.number, indent: column, text: rest)
        items.append(try node(indent: column))
      } else {
        at += 1
        items.append(try value(rest, line: line.number, keyIndent: indent))
      }
    }
    return .sequence(items)
  }

  mutating func mapping(indent: Int) throws(YAMLError) -> YAMLNode {
    var pairs: [(key: String, value: YAMLNode)] = []
    while at < lines.count, lines[at].indent == indent {
      let line = lines[at]
      guard let (key, rest) = Self.splitKey(line.text) else {
        throw YAMLError(line: line.number, message: "expected 'key: value' in a mapping, got '\(line.text)'")
      }
      at += 1
      let v: YAMLNode
      if rest.isEmpty || (rest.hasPrefix("&") && !rest.contains(" ")) {
        let anchor = rest.isEmpty ? nil : String(rest.dropFirst())
        if at < lines.count, lines[at].indent > indent {
          v = try node(indent: lines[at].indent)
        } else if at < lines.count, lines[at].indent == indent, lines[at].text == "-" || lines[at].text.hasPrefix("- ") {
          v = try sequence(indent: indent)
        } else {
          v = .null
        }
        if let anchor { anchors[anchor] = v }
      } else {
        v = try value(rest, line: line.number, keyIndent: indent)
      }
      if key == "<<" {
        // A merge: the aliased mapping's keys, unless given here.
        let merged: [YAMLNode] = if case .sequence(let s) = v { s } else { [v] }
        for m in merged {
          guard case .mapping(let inner) = m else { throw YAMLError(line: line.number, message: "'<<' merges a mapping") }
          for p in inner where !pairs.contains(where: { $0.key == p.key }) { pairs.append(p) }
        }
        continue
      }
      if let i = pairs.firstIndex(where: { $0.key == key }) {
        // A key set by a merge, or written before: the later value wins (as compose's own reader does).
        pairs[i].value = v
      } else {
        pairs.append((key, v))
      }
    }
    return .mapping(pairs)
  }

  /// A value after `key:` or `- `: a block scalar, an alias, an anchored value, a flow collection or a scalar.
  mutating func value(_ text: String, line: Int, keyIndent: Int) throws(YAMLError) -> YAMLNode {
    var text = text
    var anchor: String?
    if text.hasPrefix("&"), let space = text.firstIndex(of: " ") {
      anchor = String(text[text.index(after: text.startIndex)..<space])
      text = String(text[space...].drop { $0 == " " })
    }
    if text.hasPrefix("*") {
      let name = String(text.dropFirst())
      guard let v = anchors[name] else { throw YAMLError(line: line, message: "alias '*\(name)' names no anchor before it") }
      return v
    }
    if text.hasPrefix("!") { throw YAMLError(line: line, message: "tags ('\(text.prefix { $0 != " " })') are not supported") }
    let v: YAMLNode
    if let first = text.first, first == "|" || first == ">" {
      v = .scalar(blockScalar(folded: first == ">", chomp: text.dropFirst().first, keyIndent: keyIndent), quoted: true)
    } else if text.hasPrefix("[") || text.hasPrefix("{") {
      // A flow collection may go on over the lines below until its brackets close.
      var joined = text
      while !Self.balanced(joined), at < lines.count, lines[at].indent > keyIndent {
        joined += " " + lines[at].text
        at += 1
      }
      v = try scalarOrFlow(joined, line: line)
    } else {
      v = try scalarOrFlow(text, line: line)
    }
    if let anchor { anchors[anchor] = v }
    return v
  }

  mutating func blockScalar(folded: Bool, chomp: Character?, keyIndent: Int) -> String {
    var body: [String] = []
    var blockIndent: Int?
    // Block lines are taken raw (blank lines and '#' inside the block are content).
    let startLine = at < lines.count ? lines[at].number : raw.count + 1
    var rawIndex = startLine - 1
    var lastTaken = at
    while rawIndex < raw.count {
      let r = raw[rawIndex]
      let indent = r.prefix { $0 == " " }.count
      if r.trimmingBlanks.isEmpty {
        body.append("")
        rawIndex += 1
        continue
      }
      if indent <= keyIndent { break }
      blockIndent = blockIndent ?? indent
      body.append(String(r.dropFirst(min(indent, blockIndent!))))
      rawIndex += 1
    }
    while lastTaken < lines.count, lines[lastTaken].number <= rawIndex { lastTaken += 1 }
    at = lastTaken
    while body.last == "" { body.removeLast() }
    var text = folded ? body.joined(separator: " ") : body.joined(separator: "\n")
    if chomp != "-" { text += "\n" }
    return text
  }

  static func balanced(_ s: String) -> Bool {
    var depth = 0
    var quote: Character?
    for c in s {
      if let q = quote {
        if c == q { quote = nil }
        continue
      }
      switch c {
      case "\"", "'": quote = c
      case "[", "{": depth += 1
      case "]", "}": depth -= 1
      default: break
      }
    }
    return depth <= 0
  }

  /// `key: rest` (rest may be empty); nil when the line is no mapping entry. Keys may be quoted.
  static func splitKey(_ text: String) -> (String, String)? {
    if let q = text.first, q == "\"" || q == "'" {
      guard let close = text.dropFirst().firstIndex(of: q) else { return nil }
      let after = text[text.index(after: close)...]
      guard after.hasPrefix(":"), after.count == 1 || after.dropFirst().hasPrefix(" ") else { return nil }
      return (String(text[text.index(after: text.startIndex)..<close]), String(after.dropFirst().drop { $0 == " " }))
    }
    if text.hasPrefix("[") || text.hasPrefix("{") || text.hasPrefix("- ") || text == "-" { return nil }
    var i = text.startIndex
    while i < text.endIndex {
      if text[i] == ":" {
        let next = text.index(after: i)
        if next == text.endIndex || text[next] == " " {
          let key = String(text[..<i]).trimmingBlanks
          guard !key.isEmpty else { return nil }
          return (key, String(text[next...]).trimmingBlanks)
        }
      }
      i = text.index(after: i)
    }
    return nil
  }

  mutating func scalarOrFlow(_ text: String, line: Int) throws(YAMLError) -> YAMLNode {
    var flow = FlowParser(chars: Array(text), line: line, anchors: anchors, depth: depth)
    let v = try flow.value(top: true)
    flow.skipSpace()
    if flow.i < flow.chars.count { throw YAMLError(line: line, message: "unexpected '\(String(flow.chars[flow.i...]))'") }
    return v
  }
}

/// One line's value: a scalar, or a flow collection.
struct FlowParser {
  let chars: [Character]
  let line: Int
  let anchors: [String: YAMLNode]
  var i = 0
  var depth: Int

  init(chars: [Character], line: Int, anchors: [String: YAMLNode], depth: Int) {
    self.chars = chars
    self.line = line
    self.anchors = anchors
    self.depth = depth
  }

  mutating func skipSpace() { while i < chars.count, chars[i] == " " { i += 1 } }

  mutating func value(top: Bool) throws(YAMLError) -> YAMLNode {
    skipSpace()
    guard i < chars.count else { return .null }
    depth += 1
    defer { depth -= 1 }
    guard depth < YAMLSubset.maxDepth else { throw YAMLError(line: line, message: "nested deeper than \(YAMLSubset.maxDepth) levels") }
    switch chars[i] {
    case "[":
      i += 1
      var items: [YAMLNode] = []
      while true {
        skipSpace()
        guard i < chars.count else { throw YAMLError(line: line, message: "'[' is never closed") }
        if chars[i] == "]" {
          i += 1
          return .sequence(items)
        }
        items.append(try value(top: false))
        skipSpace()
        if i < chars.count, chars[i] == "," { i += 1 }
      }
    case "{":
      i += 1
      var pairs: [(key: String, value: YAMLNode)] = []
      while true {
        skipSpace()
        guard i < chars.count else { throw YAMLError(line: line, message: "'{' is never closed") }
        if chars[i] == "}" {
          i += 1
          return .mapping(pairs)
        }
        guard case .scalar(let key, _) = try scalar(top: false, stopAtColon: true) else { throw YAMLError(line: line, message: "a key in '{…}'") }
        skipSpace()
        var v = YAMLNode.null
        if i < chars.count, chars[i] == ":" {
          i += 1
          v = try value(top: false)
        }
        pairs.append((key, v))
        skipSpace()
        if i < chars.count, chars[i] == "," { i += 1 }
      }
    case "*":
      let start = i + 1
      while i < chars.count, !" ,]}".contains(chars[i]) { i += 1 }
      let name = String(chars[start..<i])
      guard let v = anchors[name] else { throw YAMLError(line: line, message: "alias '*\(name)' names no anchor before it") }
      return v
    default:
      return try scalar(top: top, stopAtColon: false)
    }
  }

  mutating func scalar(top: Bool, stopAtColon: Bool) throws(YAMLError) -> YAMLNode {
    guard i < chars.count else { return .null }
    let q = chars[i]
    if q == "\"" || q == "'" {
      i += 1
      var out = ""
      while true {
        guard i < chars.count else { throw YAMLError(line: line, message: "a quoted string is never closed") }
        let c = chars[i]
        i += 1
        if c == q {
          if q == "'", i < chars.count, chars[i] == "'" {
            out.append("'")
            i += 1
            continue
          }
          return .scalar(out, quoted: true)
        }
        if q == "\"", c == "\\", i < chars.count {
          let e = chars[i]
          i += 1
          switch e {
          case "n": out.append("\n")
          case "t": out.append("\t")
          case "\"": out.append("\"")
          case "\\": out.append("\\")
          case "/": out.append("/")
          case "0": out.append("\0")
          default: out.append("\\"); out.append(e)
          }
          continue
        }
        out.append(c)
      }
    }
    var out = ""
    while i < chars.count {
      let c = chars[i]
      if !top, c == "," || c == "]" || c == "}" { break }
      if stopAtColon, c == ":", i + 1 == chars.count || chars[i + 1] == " " { break }
      out.append(c)
      i += 1
    }
    let text = out.trimmingBlanks
    if text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL" { return .null }
    return .scalar(text, quoted: false)
  }
}
