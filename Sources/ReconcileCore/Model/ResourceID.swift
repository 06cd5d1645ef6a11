/// The one spelling of a resource: `kind/name`, used in plans, logs, errors, labels and state keys.
public struct ResourceID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
  public let kind: String
  public let name: String

  public init(kind: String, name: String) {
    self.kind = kind
    self.name = name
  }

  /// Parses `kind/name`; nil when either side is empty or the slash is missing.
  public init?(parsing text: String) {
    guard let slash = text.firstIndex(of: "/") else { return nil }
    let kind = String(text[..<slash])
    let name = String(text[text.index(after: slash)...])
    guard !kind.isEmpty, !name.isEmpty, !name.utf8.contains(UInt8(ascii: "/")) else { return nil }
    self.init(kind: kind, name: name)
  }

  public var description: String { "\(kind)/\(name)" }

  public static func < (a: ResourceID, b: ResourceID) -> Bool {
    a.kind == b.kind ? a.name < b.name : a.kind < b.kind
  }

  public init(from decoder: Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    guard let id = ResourceID(parsing: text) else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected kind/name, got '\(text)'"))
    }
    self = id
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(description)
  }
}
