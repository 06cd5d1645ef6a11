import Foundation

/// A clock that moves only when the test says so; sleepers wake when `advance` passes their deadline.
final class ManualClock: Clock, @unchecked Sendable {
  struct Instant: InstantProtocol {
    var offset: Duration
    func advanced(by d: Duration) -> Instant { Instant(offset: offset + d) }
    func duration(to other: Instant) -> Duration { other.offset - offset }
    static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
  }

  private let lock = NSLock()
  private var current = Instant(offset: .zero)
  private var sleepers: [UUID: (Instant, CheckedContinuation<Void, Error>)] = [:]
  /// Sleeps cancelled before they began (their handler ran first).
  private var cancelled: Set<UUID> = []

  var now: Instant { lock.withLock { current } }
  var minimumResolution: Duration { .zero }
  var sleeperCount: Int { lock.withLock { sleepers.count } }

  func sleep(until deadline: Instant, tolerance: Duration?) async throws {
    let id = UUID()
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
        enum Now { case sleep, wake, cancel }
        // One lock decides between a cancellation that came first, a deadline already passed, and sleeping.
        let now = lock.withLock { () -> Now in
          if cancelled.remove(id) != nil { return .cancel }
          if deadline <= current { return .wake }
          sleepers[id] = (deadline, c)
          return .sleep
        }
        switch now {
        case .cancel: c.resume(throwing: CancellationError())
        case .wake: c.resume()
        case .sleep: break
        }
      }
    } onCancel: {
      let c = lock.withLock { () -> CheckedContinuation<Void, Error>? in
        guard let sleeper = sleepers.removeValue(forKey: id) else {
          cancelled.insert(id)
          return nil
        }
        return sleeper.1
      }
      c?.resume(throwing: CancellationError())
    }
  }

  func advance(by d: Duration) {
    let due = lock.withLock { () -> [CheckedContinuation<Void, Error>] in
      current = current.advanced(by: d)
      let ready = sleepers.filter { $0.value.0 <= current }
      for k in ready.keys { sleepers[k] = nil }
      return ready.map(\.value.1)
    }
    for c in due { c.resume() }
  }
}
