import Foundation

extension JSONParser {
  /// Below this size (a manifest of some 3,500 files) a document is read on one core: the second thread's start and
  /// its allocations freed on another thread cost more than it saves (a plan of 1,000 files, 150 KB, 1.5 ms slower).
  public static let halvesFrom = 512 << 10

  /// Like `parse`, for a document that is an object with one long array member, `key` (a manifest's resources): the
  /// second half of the document is read on another core from a guessed item boundary, while this one reads from the
  /// start. The guess holds when an item of `key` starts exactly there; when none does (it fell in a string, in a
  /// nested object, outside the array) this one reads on alone. Either way the value and the errors are `parse`'s: an
  /// error of the second half counts only once the first half is read without one.
  @inlinable public static func parse<Leaf: JSONLeaf>(_ bytes: [UInt8], as: Leaf.Type = Leaf.self, halving key: String) throws(Failure) -> JSONTree<Leaf> {
    try halves(bytes, as: Leaf.self, key: key, from: halvesFrom).value
  }

  /// `parse(_:as:halving:)` for documents of `minimum` bytes or more; `joined` tells whether the second half's items
  /// were taken.
  @inlinable static func halves<Leaf: JSONLeaf>(_ bytes: [UInt8], as: Leaf.Type, key: String, from minimum: Int) throws(Failure) -> (
    value: JSONTree<Leaf>, joined: Bool
  ) {
    var p = JSONParser(bytes: bytes)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { p.at = 3 }
    p.skipSpace()
    guard bytes.count >= minimum, p.at < bytes.count, bytes[p.at] == UInt8(ascii: "{"), let guess = itemStart(in: bytes, after: bytes.count / 2) else {
      return (try parse(bytes, as: Leaf.self), false)
    }
    let second = SecondHalf<Leaf>()
    let group = DispatchGroup()
    group.enter()
    // A thread of its own, not a queue's: where the queues' threads are all busy (a plan decodes beside loading the
    // state), a queued half waited for one, and this half then waited for it — slower than one reader alone.
    Thread {
      defer { group.leave() }
      var q = JSONParser(bytes: bytes)
      q.at = guess
      var items: [JSONTree<Leaf>] = []
      do throws(Failure) {
        _ = try q.items(stoppingAt: nil) { q throws(Failure) in items.append(try q.value(depth: 2)) }
        second.result = .success((items, q.at))
      } catch {
        second.result = .failure(error)
      }
    }.start()
    defer { group.wait() }
    var joined = false
    var members: [String: JSONTree<Leaf>] = [:]
    let open = p.at
    try p.eachMember { p, name, keyAt throws(Failure) in
      let value: JSONTree<Leaf>
      if name == key, p.at < guess, p.at < bytes.count, bytes[p.at] == UInt8(ascii: "[") {
        var items: [JSONTree<Leaf>] = []
        p.at += 1
        p.skipSpace()
        if p.at < bytes.count, bytes[p.at] == UInt8(ascii: "]") {
          p.at += 1
        } else if try !p.items(stoppingAt: guess, { p throws(Failure) in items.append(try p.value(depth: 2)) }) {
          group.wait()
          let (rest, end) = try second.result!.get()
          items += rest
          p.at = end
          joined = true
        }
        value = .array(items)
      } else {
        value = try p.value(depth: 1)
      }
      if members.updateValue(value, forKey: name) != nil { throw p.repeated(name, at: keyAt, inObjectAt: open) }
    }
    try p.end()
    return (.object(members), joined)
  }

  /// The first `{` after `position` that looks like an item's start: after `}` and `,` with only white space between.
  @usableFromInline static func itemStart(in bytes: [UInt8], after position: Int) -> Int? {
    func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
    var i = position
    while i < bytes.count {
      defer { i += 1 }
      guard bytes[i] == UInt8(ascii: "{") else { continue }
      var j = i - 1
      while j > 0, isSpace(bytes[j]) { j -= 1 }
      guard j > 0, bytes[j] == UInt8(ascii: ",") else { continue }
      j -= 1
      while j > 0, isSpace(bytes[j]) { j -= 1 }
      if bytes[j] == UInt8(ascii: "}") { return i }
    }
    return nil
  }
}

/// What the second half's reader found: its items and the position past the array's `]`, or its error.
@usableFromInline final class SecondHalf<Leaf: JSONLeaf>: @unchecked Sendable {
  @usableFromInline var result: Result<([JSONTree<Leaf>], Int), JSONParser.Failure>?
  @usableFromInline init() {}
}
