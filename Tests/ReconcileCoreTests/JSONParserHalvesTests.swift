import Foundation
import Testing

@testable import Essentials

/// The manifest parse in two halves on two cores: whatever the text, the value or the refusal is the whole parse's.
@Suite struct JSONParserHalvesTests {
  /// A manifest like the ones people write: top-level members around a long `resources` list whose items nest
  /// objects and lists, with strings holding what looks like an item boundary.
  static func manifest(_ count: Int, tricky: Bool = false) -> String {
    let items = (0..<count).map { i in
      var item = #"{"kind": "file", "name": "f\#(i)", "path": "/srv/f\#(i)", "mode": "0644", "dependsOn": ["directory/root"]"#
      if tricky && i % 3 == 0 { item += #", "content": "a}, {\"kind\": \"x\"}, {b \u00e9 \#(i)""# }
      if tricky && i % 5 == 0 { item += #", "routes": [{"path": "/"}, {"path": "/api"},{"path":"/x"}]"# }
      return item + "}"
    }
    return #"{"apiVersion": "reconcile/v1", "resources": [\#n  \#(items.joined(separator: ",\n  "))\#n], "variables": {"v": "1"}}"#
  }

  static func outcome(_ text: [UInt8], halves: Bool) -> Result<JSONTree<String>, JSONParser.Failure> {
    Result { () throws(JSONParser.Failure) in
      halves ? try JSONParser.halves(text, as: String.self, key: "resources", from: 0).value : try JSONParser.parse(text, as: String.self)
    }
  }

  @Test func aLongListIsReadInTwoHalvesAndGivesTheWholeParsesValue() throws {
    let text = Array(Self.manifest(6000).utf8)
    #expect(text.count > JSONParser.halvesFrom)
    let (value, joined) = try JSONParser.halves(text, as: String.self, key: "resources", from: JSONParser.halvesFrom)
    #expect(joined, "the guess at the middle fell on an item's start")
    let same = value == (try JSONParser.parse(text, as: String.self))
    #expect(same)
    guard case .object(let top) = value, case .array(let items)? = top["resources"] else {
      Issue.record("no resources")
      return
    }
    #expect(items.count == 6000)
    #expect(top["variables"] == .object(["v": .string("1")]))
  }

  /// The second half is read on a thread of its own: nesting as deep as the parser allows reads there too, and one
  /// level deeper is refused as the whole parse refuses it.
  @Test func theDeepestNestingIsReadOrRefusedInTheSecondHalfAsAWhole() throws {
    for depth in [JSONParser.maxDepth - 3, JSONParser.maxDepth - 2] {
      var text = Self.manifest(40)
      let deep = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
      text = text.replacingOccurrences(of: #""name": "f35","#, with: #""name": "f35", "deep": \#(deep),"#)
      let bytes = Array(text.utf8)
      let halves = Self.outcome(bytes, halves: true), whole = Self.outcome(bytes, halves: false)
      let same = halves == whole
      #expect(same, "depth \(depth)")
      let read = (try? halves.get()) != nil
      #expect(read == (depth == JSONParser.maxDepth - 3), "depth \(depth): read \(read)")
      if read { #expect(try JSONParser.halves(bytes, as: String.self, key: "resources", from: 0).joined) }
    }
  }

  /// A guess inside a string or a nested list is found out: the first half reads on, and the value is the same.
  @Test func aGuessThatIsNoItemsStartIsDroppedAtEveryPlace() throws {
    let text = Array(Self.manifest(60, tricky: true).utf8)
    var joins = 0, drops = 0
    for cut in stride(from: 0, to: text.count, by: 7) {
      var shifted = text
      // The middle moves over the whole text as padding grows in front of the list.
      shifted.insert(contentsOf: Array(repeating: UInt8(ascii: " "), count: cut), at: 1)
      let (value, joined) = try JSONParser.halves(shifted, as: String.self, key: "resources", from: 0)
      let same = value == (try JSONParser.parse(shifted, as: String.self))
      #expect(same, "padding \(cut)")
      if joined { joins += 1 } else { drops += 1 }
    }
    #expect(joins > 0 && drops > 0, "both ways were taken: \(joins) joined, \(drops) dropped")
  }

  /// Damage anywhere (a byte dropped, changed, doubled; cut short; a key given twice): the same value or the same
  /// refusal, word for word, as the whole parse — an error of the second half never hides one of the first.
  @Test func damagedTextGivesTheWholeParsesOutcome() {
    let text = Array(Self.manifest(40, tricky: true).utf8)
    var generator = SystemRandomNumberGenerator()
    var refused = 0
    for round in 0..<1500 {
      var damaged = text
      for _ in 0..<(1 + round % 3) {
        let at = Int.random(in: 0..<damaged.count, using: &generator)
        switch round % 4 {
        case 0: damaged.remove(at: at)
        case 1: damaged[at] = [UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: "\""), 0x0A, 0xC3][round % 6]
        case 2: damaged.insert(damaged[at], at: at)
        default: damaged.removeLast(at / 2)
        }
      }
      let halves = Self.outcome(damaged, halves: true), whole = Self.outcome(damaged, halves: false)
      let same = halves == whole
      #expect(same, "round \(round): \(String(describing: try? halves.get()).prefix(200)) vs \(String(describing: try? whole.get()).prefix(200))")
      if case .failure = halves { refused += 1 }
    }
    #expect(refused > 500)
    let twice = Array(#"{"resources": [{"a": 1}, {"a": 2}, {"a": 3}, {"a": 4}], "resources": []}"#.utf8)
    #expect(Self.outcome(twice, halves: true) == Self.outcome(twice, halves: false))
    if case .failure(let error) = Self.outcome(twice, halves: true) {
      #expect(error.message.hasPrefix("the key 'resources' is given twice"))
    } else {
      Issue.record("a key given twice is refused")
    }
  }
}
