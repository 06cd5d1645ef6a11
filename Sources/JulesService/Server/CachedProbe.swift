import Foundation
import Essentials

/// A probe whose answer is reused for `seconds`: callers that arrive while it runs wait for it and share its answer,
/// so a flood of readiness requests makes at most one upstream call per period (each carrying the user's key).
final class CachedProbe: @unchecked Sendable {
  let seconds: Double
  let clock: MonotonicClock
  private let lock = NSLock()
  private var last: (at: Double, reasons: [String])?

  init(seconds: Double, clock: @escaping MonotonicClock = systemMonotonicSeconds) {
    self.seconds = seconds
    self.clock = clock
  }

  /// The reasons `probe` gave within the last period, or what it gives now.
  func reasons(_ probe: () -> [String]) -> [String] {
    lock.lock()
    defer { lock.unlock() }
    if let last, clock() - last.at < seconds { return last.reasons }
    let fresh = probe()
    last = (clock(), fresh)
    return fresh
  }
}
