import Essentials
import Foundation
import ReconcileCore
import Testing

/// The one JSON value: jules reads and writes plain strings, manifests read strings that remember a secret.
@Suite struct JSONTreeTests {
  let text = #"{"a": [1, true, null, "x"], "b": {"c": "d"}}"#

  @Test func plainStringsDecodeAndEncodeBackTheSame() throws {
    let value = try JSONDecoder().decode(JSONTree<String>.self, from: Data(text.utf8))
    #expect(value["b"]?["c"]?.stringValue == "d")
    #expect(value["a"] == .array([.number(1), .bool(true), .null, .string("x")]))
    #expect(value["missing"] == nil)
    let again = try JSONDecoder().decode(JSONTree<String>.self, from: JSONEncoder().encode(value))
    #expect(again == value)
  }

  @Test func manifestStringsAreTextThatQuotesOnlyWhatIsNotSensitive() throws {
    let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    #expect(value["b"]?["c"]?.stringValue == Text("d"))
    #expect(value["b"]?["c"]?.quoted == "'d'")
    #expect(JSONValue.string(Text("hunter2", sensitive: true)).quoted == "(sensitive value)")
    #expect(value["a"]?.typeName == "a list")
  }
}
