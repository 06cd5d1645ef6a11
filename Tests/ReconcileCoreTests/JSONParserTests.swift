import Essentials
import Foundation
import Testing

@testable import ReconcileCore

/// The manifests' JSON parser: what it accepts matches JSONSerialization, and every refusal names line and column.
@Suite struct JSONParserTests {
  static func parse(_ text: String) throws(JSONParser.Failure) -> JSONTree<String> { try JSONParser.parse(Array(text.utf8)) }

  static let refused: [(String, String)] = [
    ("{ \"a\": 1,\n  \"b\": 2,\n  \"a\": 3 }", "line 3, column 3: the key 'a' is given twice in one object (first at line 1, column 3)"),
    // The first place is found past values that hold the same key, and inside the object that repeats it.
    (
      "{ \"o\": { \"b\": { \"a\": [1, { \"a\": 2 }] },\n  \"é\": \"ü\", \"a\": true,\n  \"a\": null } }",
      "line 3, column 3: the key 'a' is given twice in one object (first at line 2, column 13)"
    ),
    ("{ \"apiVersion\": ", "line 1, column 17: expected a value, found the end of the document"),
    ("{\n  \"a\": [1, 2,,]\n}", "line 2, column 14: expected a value, found ','"),
    ("{ \"a\": 1 } x", "line 1, column 12: expected the end of the document after the value, found 'x'"),
    ("{ \"a\": \"x\ny\" }", "line 1, column 10: a control character (U+A) in a string: write it as an escape such as \\n"),
    ("{ \"a\": \"unterminated }", "line 1, column 8: the string opened here is never closed"),
    ("{ \"a\": 01 }", "line 1, column 9: expected ',' or '}' after a member, found '1'"),
    ("{ \"a\": 1. }", "line 1, column 10: expected a digit after '.', found ' '"),
    ("{ \"a\": tru }", "line 1, column 8: expected a value, found 't'"),
    ("{ \"a\": \"\\q\" }", "line 1, column 9: unknown escape '\\q' in a string"),
    ("{ a: 1 }", "line 1, column 3: expected a key in double quotes, found 'a'"),
    ("{ \"é\": \"ü\", \"x\" 1 }", "line 1, column 17: expected ':' after the key 'x', found '1'"),
    (String(repeating: "[", count: 300) + String(repeating: "]", count: 300), "line 1, column 257: nested deeper than 256 levels"),
  ]

  @Test(arguments: refused.indices) func refusalsNameLineAndColumn(_ i: Int) {
    let (text, message) = Self.refused[i]
    #expect(throws: JSONParser.Failure.self) { _ = try Self.parse(text) }
    do {
      _ = try Self.parse(text)
    } catch {
      #expect(error.description == message)
    }
  }

  @Test func acceptsWhatJSONSerializationAccepts() throws {
    let text = #"""
      { "s": "a\"b\\c\/d\n\t\u00e9\ud83d\ude00", "n": [0, -1, 1.5, 2e3, -4.5E-2, 1e19], "t": true, "f": false, "z": null, "o": {}, "a": [] }
      """#
    let mine = try Self.parse("\u{FEFF}" + text)
    let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    #expect(mine["s"]?.stringValue == theirs["s"] as? String)
    guard case .array(let numbers)? = mine["n"] else {
      Issue.record("no list")
      return
    }
    #expect(numbers == (theirs["n"] as! [NSNumber]).map { .number($0.doubleValue) })
    #expect(mine["t"] == .bool(true) && mine["f"] == .bool(false) && mine["z"] == .null && mine["o"] == .object([:]) && mine["a"] == .array([]))
  }

  /// Byte-level damage (cut short, a byte changed, inserted or dropped) of a real manifest, 3,000 times: every
  /// outcome is a value or a positioned refusal, never a crash.
  @Test func damagedTextNeverCrashes() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    let original = Array(try Data(contentsOf: URL(fileURLWithPath: root + "/manifests/modules/jules/jules.json")))
    let noise: [UInt8] = Array("{}[]\",:\\u0 \n\tx".utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
    var refused = 0
    for _ in 0..<3000 {
      var bytes = original
      let i = Int.random(in: 0..<bytes.count)
      switch Int.random(in: 0..<4) {
      case 0: bytes = Array(bytes[..<i])
      case 1: bytes[i] = noise.randomElement()!
      case 2: bytes.insert(noise.randomElement()!, at: i)
      default: bytes.remove(at: i)
      }
      do { _ = try JSONParser.parse(bytes, as: String.self) } catch {
        refused += 1
        #expect(error.line >= 1 && error.column >= 1)
      }
    }
    #expect(refused > 1000)
    print("fault suite: JSON damage: 3000 damaged copies of the shipped manifest; \(refused) refused with line and column, \(3000 - refused) still valid JSON; 0 crashes")
  }

  @Test func aManifestWithADuplicateKeyIsRefusedWithItsPosition() {
    let found = issues("{ \"apiVersion\": \"reconcile/v1\",\n  \"resources\": [ { \"kind\": \"file\", \"name\": \"a\", \"name\": \"b\" } ] }")
    #expect(found == ["m.json: not valid JSON: line 2, column 49: the key 'name' is given twice in one object (first at line 2, column 36)"])
  }
}

/// One long array member read item by item (`state.json`'s resources): the same items and errors as the whole parse.
@Suite struct JSONStreamingParseTests {
  static func stream(_ text: String, stopAfter: Int = .max) throws(JSONParser.Failure) -> ([String: JSONTree<String>]?, [JSONTree<String>]) {
    var items: [JSONTree<String>] = []
    let top = try JSONParser.parse(Array(text.utf8), as: String.self, streaming: "r") { item in
      items.append(item)
      return items.count < stopAfter
    }
    return (top, items)
  }

  @Test func itemsComeInOrderAndTheMemberIsLeftEmpty() throws {
    let text = #"{ "v": 1, "r": [ { "id": "a", "n": [1, 2] }, "b", null ], "w": { "x": true } }"#
    let (top, items) = try Self.stream(text)
    guard case .object(let whole) = try JSONParser.parse(Array(text.utf8), as: String.self), case .array(let all)? = whole["r"] else {
      Issue.record("not an object with an array")
      return
    }
    #expect(items == all)
    #expect(top?["r"] == .array([]))
    #expect(top?["v"] == whole["v"] && top?["w"] == whole["w"])
  }

  @Test func aMemberNotAnArrayOrAbsentIsKeptAsItIs() throws {
    #expect(try Self.stream(#"{ "r": 3 }"#).0?["r"] == .number(3))
    #expect(try Self.stream(#"{ "v": 1 }"#).0?["r"] == nil)
  }

  @Test func theReaderMayStop() throws {
    let (top, items) = try Self.stream(#"{ "r": [1, 2, 3, 4] }"#, stopAfter: 2)
    #expect(top == nil)
    #expect(items.count == 2)
  }

  @Test func refusalsNameLineAndColumnAsTheWholeParseDoes() {
    for text in [#"{ "r": [1, 2,, 3] }"#, "{ \"r\": [],\n \"r\": [] }", "{ \"v\": 1,\n \"r\": [], \"v\": 2 }", #"{ "r": [1] } x"#, "[1]"] {
      let streamed = #expect(throws: JSONParser.Failure.self) { try Self.stream(text) }
      if text != "[1]" {
        let whole = #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8), as: String.self) }
        #expect(streamed == whole, "\(text): \(String(describing: streamed)) vs \(String(describing: whole))")
      }
    }
  }
}
