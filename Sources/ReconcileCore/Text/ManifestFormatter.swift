import Essentials

/// `reconcile fmt`: one canonical layout for manifest files, so that a diff shows what changed and nothing else.
/// Two-space indentation; every object on its lines; a list of plain values on one line when it fits in 100
/// columns; keys in a stable order: at the top `$schema`, `apiVersion`, `project`, `variables`, `policy`, `verify`, `alerts`,
/// `resources`; in a resource `kind`, `name`, `ensure`, then its other keys alphabetically with `dependsOn` last;
/// elsewhere alphabetically. Strings and numbers keep the text they were written with. Pure.
public enum ManifestFormatter {
  indirect enum Node {
    case scalar(String)
    case array([Node])
    case object([(key: String, keyText: String, value: Node)])
  }

  /// The formatted text, or the strict parser's error (with its line and column) for a file that is not JSON.
  public static func format(_ bytes: [UInt8]) throws(JSONParser.Failure) -> String {
    _ = try JSONParser.parse(bytes, as: String.self)
    var reader = Reader(bytes: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes)
    let root = reader.value()
    var out = ""
    write(root, context: .top, indent: "", to: &out)
    return out + "\n"
  }

  enum Context { case top, resources, resource, other }

  static let topOrder = ["$schema", "apiVersion", "project", "variables", "policy", "verify", "alerts", "resources"]

  static func ordered(_ fields: [(key: String, keyText: String, value: Node)], _ context: Context) -> [(key: String, keyText: String, value: Node)] {
    func rank(_ key: String) -> (Int, String) {
      switch context {
      case .top: (topOrder.firstIndex(of: key) ?? topOrder.count, key)
      case .resource: (["kind": 0, "name": 1, "ensure": 2, "dependsOn": 4][key] ?? 3, key)
      case .resources, .other: (0, key)
      }
    }
    return fields.sorted { rank($0.key) < rank($1.key) }
  }

  static func write(_ node: Node, context: Context, indent: String, to out: inout String) {
    switch node {
    case .scalar(let text): out += text
    case .array(let items):
      if items.isEmpty { return out += "[]" }
      let plain = items.allSatisfy { if case .scalar = $0 { true } else { false } }
      let inline = "[" + items.map { if case .scalar(let t) = $0 { t } else { "" } }.joined(separator: ", ") + "]"
      if plain, indent.count + inline.count <= 100 { return out += inline }
      out += "[\n"
      for (i, item) in items.enumerated() {
        out += indent + "  "
        write(item, context: context == .resources ? .resource : .other, indent: indent + "  ", to: &out)
        out += i == items.count - 1 ? "\n" : ",\n"
      }
      out += indent + "]"
    case .object(let fields):
      if fields.isEmpty { return out += "{}" }
      out += "{\n"
      let sorted = ordered(fields, context)
      for (i, f) in sorted.enumerated() {
        out += indent + "  " + f.keyText + ": "
        write(f.value, context: context == .top && f.key == "resources" ? .resources : .other, indent: indent + "  ", to: &out)
        out += i == sorted.count - 1 ? "\n" : ",\n"
      }
      out += indent + "}"
    }
  }

  /// Reads text the strict parser accepted, keeping key order and each scalar's text.
  struct Reader {
    let bytes: [UInt8]
    var at = 0

    mutating func skipSpace() {
      while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
    }

    mutating func value() -> Node {
      skipSpace()
      switch bytes[at] {
      case UInt8(ascii: "{"):
        at += 1
        var fields: [(key: String, keyText: String, value: Node)] = []
        skipSpace()
        if bytes[at] == UInt8(ascii: "}") {
          at += 1
          return .object([])
        }
        while true {
          skipSpace()
          let keyText = string()
          let key = (try? JSONParser.parse(Array(keyText.utf8), as: String.self)).flatMap { if case .string(let s) = $0 { s } else { nil } } ?? keyText
          skipSpace()
          at += 1  // :
          fields.append((key, keyText, value()))
          skipSpace()
          let c = bytes[at]
          at += 1
          if c == UInt8(ascii: "}") { return .object(fields) }
        }
      case UInt8(ascii: "["):
        at += 1
        var items: [Node] = []
        skipSpace()
        if bytes[at] == UInt8(ascii: "]") {
          at += 1
          return .array([])
        }
        while true {
          items.append(value())
          skipSpace()
          let c = bytes[at]
          at += 1
          if c == UInt8(ascii: "]") { return .array(items) }
        }
      case UInt8(ascii: "\""):
        return .scalar(string())
      default:
        let start = at
        while at < bytes.count, !([0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}")].contains(bytes[at])) { at += 1 }
        return .scalar(String(decoding: bytes[start..<at], as: UTF8.self))
      }
    }

    /// A string literal as written, quotes and escapes included.
    mutating func string() -> String {
      let start = at
      at += 1
      while bytes[at] != UInt8(ascii: "\"") { at += bytes[at] == UInt8(ascii: "\\") ? 2 : 1 }
      at += 1
      return String(decoding: bytes[start..<at], as: UTF8.self)
    }
  }
}
