/// The one spelling of a resource: `kind/name`, or `module.INSTANCE/kind/name` for a resource a module instance
/// declares; used in plans, logs, errors, labels and state keys.
public struct ResourceID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
  public let kind: String
  public let name: String
  /// The module instance that declares it (`module.staging/…`); "" at the top level. A plain string, not an optional:
  /// the empty one costs nothing to copy or compare, and most IDs are top-level ones (a tenth of a 10,000-resource plan
  /// went to the optional's bookkeeping).
  let instance: String

  /// The module instance that declares it; nil at the top level.
  public var module: String? { instance.isEmpty ? nil : instance }

  public init(kind: String, name: String, module: String? = nil) {
    self.kind = kind
    self.name = name
    self.instance = module ?? ""
  }

  /// Parses `kind/name` or `module.INSTANCE/kind/name`; nil when a part is empty or a slash is missing. A reference
  /// written inside a module (`in`) without a module prefix names a resource of that module.
  public init?(parsing text: String) { self.init(parsing: text, in: nil) }

  public init?(parsing text: String, in module: String?) {
    // Most addresses are `kind/name`: read without the module prefix's work.
    if text.utf8.first != UInt8(ascii: "m") || !text.hasPrefix("module.") {
      guard let slash = text.utf8.firstIndex(of: UInt8(ascii: "/")) else { return nil }
      let kind = String(text[..<slash])
      let name = String(text[text.index(after: slash)...])
      guard !kind.isEmpty, !name.isEmpty, !name.utf8.contains(UInt8(ascii: "/")) else { return nil }
      self.init(kind: kind, name: name, module: module)
      return
    }
    var rest = Substring(text)
    var owner = module
    if rest.hasPrefix("module.") {
      guard let slash = rest.firstIndex(of: "/") else { return nil }
      owner = String(rest[rest.index(rest.startIndex, offsetBy: 7)..<slash])
      guard let o = owner, !o.isEmpty else { return nil }
      rest = rest[rest.index(after: slash)...]
    }
    guard let slash = rest.firstIndex(of: "/") else { return nil }
    let kind = String(rest[..<slash])
    let name = String(rest[rest.index(after: slash)...])
    guard !kind.isEmpty, !name.isEmpty, !name.utf8.contains(UInt8(ascii: "/")) else { return nil }
    self.init(kind: kind, name: name, module: owner)
  }

  /// Another resource of the same module (`kind/name` as written beside this one).
  public func sibling(kind: String, name: String) -> ResourceID { ResourceID(kind: kind, name: name, instance: instance) }

  init(kind: String, name: String, instance: String) {
    self.kind = kind
    self.name = name
    self.instance = instance
  }

  public var description: String { instance.isEmpty ? "\(kind)/\(name)" : "module.\(instance)/\(kind)/\(name)" }

  /// Top-level resources first, then each module's; within one, by kind, then name.
  public static func < (a: ResourceID, b: ResourceID) -> Bool {
    if a.instance != b.instance { return a.instance < b.instance }
    return a.kind == b.kind ? a.name < b.name : a.kind < b.kind
  }

  // Written out: the name differs most often, and a top-level resource (most of them) hashes no module.
  public static func == (a: ResourceID, b: ResourceID) -> Bool { a.name == b.name && a.kind == b.kind && a.instance == b.instance }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(kind)
    hasher.combine(name)
    if !instance.isEmpty { hasher.combine(instance) }
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
