/// Exponential backoff with jitter, capped: base × 2^(attempt-1), then scaled by a jitter factor in [0.5, 1).
public struct Backoff: Sendable {
  public var base: Duration
  public var cap: Duration

  public init(base: Duration = .seconds(1), cap: Duration = .seconds(300)) {
    self.base = base
    self.cap = cap
  }

  /// The delay before retry number `attempt` (1-based); `jitter` in [0, 1) comes from the caller's random source.
  public func delay(attempt: Int, jitter: Double) -> Duration {
    let exponent = min(max(attempt - 1, 0), 30)
    let raw = base * (1 << exponent)
    let capped = raw > cap ? cap : raw
    return capped * (0.5 + 0.5 * min(max(jitter, 0), 0.999_999))
  }
}
