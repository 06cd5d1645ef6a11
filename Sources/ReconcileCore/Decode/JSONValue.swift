import Essentials
import Foundation

/// A parsed manifest JSON value whose strings remember whether a secret was interpolated into them.
public typealias JSONValue = JSONTree<Text>

extension Text: JSONLeaf {
  public init(jsonString: String) { self.init(jsonString) }
}

extension JSONTree where Leaf == Text {
  /// A short quotation of the value for error messages; never quotes a sensitive string.
  public var quoted: String {
    switch self {
    case .null: "null"
    case .bool(let b): "\(b)"
    case .number(let n): n == n.rounded() && abs(n) < 1e15 ? "\(Int(n))" : "\(n)"
    case .string(let t): t.isSensitive ? "(sensitive value)" : "'\(t.value)'"
    case .array: "a list"
    case .object: "an object"
    }
  }
}
