import Foundation

extension ManifestDecoder {
  /// `body(i, issues)` for every `i` in `0..<count`, on every core for a long list (a resource decodes on its own:
  /// its JSON, its interpolation, its kind's checks and digests); each result with the issues it found, in order, as
  /// one after the other would have found them.
  static func eachInParallel<T>(_ count: Int, _ body: @Sendable (Int, IssueList) -> T) -> [(T, [ManifestIssue])] {
    let chunks = count < 256 ? 1 : min(count / 128, ProcessInfo.processInfo.activeProcessorCount)
    guard chunks > 1 else {
      return (0..<count).map { i in
        let found = IssueList()
        return (body(i, found), found.items)
      }
    }
    // One slot per result: each written by the one chunk that owns its index.
    let slots = Slots(UnsafeMutableBufferPointer<(T, [ManifestIssue])?>.allocate(capacity: count))
    slots.buffer.initialize(repeating: nil)
    defer { slots.buffer.deallocate() }
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
      let found = IssueList()
      for i in (count * chunk / chunks)..<(count * (chunk + 1) / chunks) {
        let before = found.items.count
        let result = body(i, found)
        slots.buffer[i] = (result, Array(found.items[before...]))
      }
    }
    // Moved out, not copied: a copy retains each field of every result, and the slots released them all again.
    return (0..<count).map { (slots.buffer.baseAddress! + $0).move()! }
  }
}

private struct Slots<T>: @unchecked Sendable {
  let buffer: UnsafeMutableBufferPointer<T>
  init(_ buffer: UnsafeMutableBufferPointer<T>) { self.buffer = buffer }
}
