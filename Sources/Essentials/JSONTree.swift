import Foundation

/// A string leaf of a `JSONTree`: plain `String` for jules, a string that remembers a secret for reconcile's
/// manifests.
public protocol JSONLeaf: Hashable, Sendable {
  /// The leaf for a string decoded from JSON.
  init(jsonString: String)
}

extension String: JSONLeaf {
  public init(jsonString: String) { self = jsonString }
}

/// Any JSON value, its strings of type `Leaf`: the one JSON value of reconcile (`JSONTree<Text>`, manifests) and
/// jules (`JSONTree<String>`, the parts of Jules API objects it passes through unchanged).
public indirect enum JSONTree<Leaf: JSONLeaf>: Sendable, Hashable, Decodable {
  case null
  case bool(Bool)
  case number(Double)
  case string(Leaf)
  case array([JSONTree])
  case object([String: JSONTree])

  /// Whether it is `null` (asked without building a `.null` to compare with).
  @inlinable public var isNull: Bool {
    if case .null = self { true } else { false }
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let n = try? c.decode(Double.self) {
      self = .number(n)
    } else if let s = try? c.decode(String.self) {
      self = .string(Leaf(jsonString: s))
    } else if let a = try? c.decode([JSONTree].self) {
      self = .array(a)
    } else {
      self = .object(try c.decode([String: JSONTree].self))
    }
  }

  /// The member `key` of an object; nil for a missing key or a value that is not an object.
  public subscript(key: String) -> JSONTree? {
    if case .object(let o) = self { return o[key] }
    return nil
  }

  /// The leaf of a string; nil for any other value.
  public var stringValue: Leaf? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// How the value reads in an error message: `a string`, `a number`, ...
  public var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "true or false"
    case .number: "a number"
    case .string: "a string"
    case .array: "a list"
    case .object: "an object"
    }
  }
}

/// Only plain strings are written back out: a leaf that may hold a secret is never encoded.
extension JSONTree: Encodable where Leaf == String {
  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case .null: try c.encodeNil()
    case .bool(let b): try c.encode(b)
    case .number(let n): try c.encode(n)
    case .string(let s): try c.encode(s)
    case .array(let a): try c.encode(a)
    case .object(let o): try c.encode(o)
    }
  }
}
