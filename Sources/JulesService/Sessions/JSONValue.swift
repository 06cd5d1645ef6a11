import Essentials
import Foundation

/// Any JSON value, for the parts of Jules API objects this service passes through unchanged.
public typealias JSONValue = JSONTree<String>

enum JSONCoding {
  static func encoder() -> JSONEncoder {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return e
  }

  static func encode<T: Encodable>(_ value: T) -> [UInt8] {
    (try? Array(encoder().encode(value))) ?? Array("null".utf8)
  }
}
