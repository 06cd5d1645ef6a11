import Essentials

/// A value a template can show: text, a flag, a list (sections repeat) or an object (names resolve inside).
public indirect enum TemplateValue: Sendable, Hashable {
  case text(String)
  case bool(Bool)
  case list([TemplateValue])
  case object([String: TemplateValue])

  var isTruthy: Bool {
    switch self {
    case .text(let s): !s.isEmpty
    case .bool(let b): b
    case .list(let l): !l.isEmpty
    case .object: true
    }
  }
}

/// Where partials and named templates come from (`templates/`, user overrides first). Implemented by a driver.
public protocol TemplateSource: Sendable {
  /// The template's text and the file it came from, or nil when no such template exists.
  func load(_ name: String) -> (text: String, file: String)?
}

/// A template error that names the file and the line.
public struct TemplateError: Error, Sendable, CustomStringConvertible, Equatable {
  public var file: String
  public var line: Int
  public var message: String
  public var description: String { "\(file):\(line): \(message)" }
}

/// How `{{name}}` escapes what it inserts; `{{{name}}}` and `{{&name}}` never escape.
public enum TemplateEscaping: String, Sendable {
  case none
  case html

  func apply(_ s: String) -> String {
    guard self == .html else { return s }
    var out = ""
    for c in s {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(c)
      }
    }
    return out
  }
}

/// A parsed logic-less template in the Mustache style: variables, sections, inverted sections, partials, comments.
/// A variable that resolves to nothing is an error (a silent empty value breaks configurations).
public struct Template: Sendable {
  indirect enum Node: Sendable {
    case text(String)
    case variable(name: String, escaped: Bool, line: Int)
    case section(name: String, inverted: Bool, children: [Node], line: Int)
    case partial(name: String, line: Int)
  }

  public let file: String
  let nodes: [Node]

  public init(parsing text: String, file: String) throws(TemplateError) {
    self.file = file
    let key = file + "\u{0}" + text
    if let known = Self.parsed.withLock({ $0[key] }) {
      nodes = known
      return
    }
    var parser = TemplateParser(text: text, file: file)
    self.nodes = try parser.parseAll()
    let nodes = self.nodes
    Self.parsed.withLock { cache in
      if cache.count > 256 { cache.removeAll() }
      cache[key] = nodes
    }
  }

  /// Templates parsed before, by file and text: 200 sites render the same few templates and partials.
  static let parsed = Locked<[String: [Node]]>([:])

  /// Renders with `context`; partials load through `partials` (depth-limited against recursion).
  public func render(_ context: [String: TemplateValue], escaping: TemplateEscaping = .none, partials: (any TemplateSource)? = nil) throws(TemplateError) -> String {
    var out = ""
    var renderer = TemplateRenderer(escaping: escaping, partials: partials)
    try renderer.render(nodes, file: file, stack: [.object(context)], into: &out, depth: 0)
    return out
  }
}

struct TemplateRenderer {
  let escaping: TemplateEscaping
  let partials: (any TemplateSource)?

  mutating func render(_ nodes: [Template.Node], file: String, stack: [TemplateValue], into out: inout String, depth: Int) throws(TemplateError) {
    for node in nodes {
      switch node {
      case .text(let s):
        out += s
      case .variable(let name, let escaped, let line):
        guard let v = lookup(name, in: stack) else {
          throw TemplateError(file: file, line: line, message: "'\(name)' is not defined")
        }
        let s: String
        switch v {
        case .text(let t): s = t
        case .bool(let b): s = b ? "true" : "false"
        default: throw TemplateError(file: file, line: line, message: "'\(name)' is a list or an object; use a section {{#\(name)}}…{{/\(name)}}")
        }
        out += escaped ? escaping.apply(s) : s
      case .section(let name, let inverted, let children, _):
        let v = lookup(name, in: stack)
        let truthy = v?.isTruthy ?? false
        if inverted {
          if !truthy { try render(children, file: file, stack: stack, into: &out, depth: depth) }
        } else if case .list(let items)? = v {
          for item in items { try render(children, file: file, stack: stack + [item], into: &out, depth: depth) }
        } else if truthy, let v {
          try render(children, file: file, stack: stack + [v], into: &out, depth: depth)
        }
      case .partial(let name, let line):
        guard depth < 16 else { throw TemplateError(file: file, line: line, message: "partials nest deeper than 16 levels (a partial includes itself?)") }
        guard let (text, partialFile) = partials?.load(name) else {
          throw TemplateError(file: file, line: line, message: "partial '\(name)' was not found")
        }
        let t = try Template(parsing: text, file: partialFile)
        try render(t.nodes, file: partialFile, stack: stack, into: &out, depth: depth + 1)
      }
    }
  }

  func lookup(_ name: String, in stack: [TemplateValue]) -> TemplateValue? {
    if name == "." { return stack.last }
    let parts = name.split(separator: ".").map(String.init)
    for frame in stack.reversed() {
      guard case .object(let o) = frame, var v = o[parts[0]] else { continue }
      for p in parts.dropFirst() {
        guard case .object(let inner) = v, let next = inner[p] else { return nil }
        v = next
      }
      return v
    }
    return nil
  }
}
