import Essentials

/// A token bucket per client key: `capacity` requests, refilled continuously over `perSeconds`.
public final class TokenBucketLimiter: Sendable {
  public enum Decision: Equatable, Sendable {
    case allowed
    /// Rejected; a token is available after this many whole seconds.
    case limited(retryAfter: Int)
  }

  struct Bucket { var tokens: Double; var updated: Double }

  let capacity: Double
  let refillPerSecond: Double
  let clock: MonotonicClock
  private let buckets = Locked([String: Bucket]())

  public init(requests: Int, perSeconds: Double, clock: @escaping MonotonicClock = systemMonotonicSeconds) {
    capacity = Double(requests)
    refillPerSecond = Double(requests) / perSeconds
    self.clock = clock
  }

  /// Whether `key` has a token left, without taking it.
  public func peek(_ key: String) -> Decision {
    if capacity <= 0 { return .allowed }
    let now = clock()
    return buckets.withLock { all in
      guard let b = all[key] else { return .allowed }
      let tokens = min(capacity, b.tokens + (now - b.updated) * refillPerSecond)
      return tokens >= 1 ? .allowed : .limited(retryAfter: max(1, Int(((1 - tokens) / refillPerSecond).rounded(.up))))
    }
  }

  public func take(_ key: String) -> Decision {
    if capacity <= 0 { return .allowed }
    let now = clock()
    return buckets.withLock { all in
      var b = all[key] ?? Bucket(tokens: capacity, updated: now)
      b.tokens = min(capacity, b.tokens + (now - b.updated) * refillPerSecond)
      b.updated = now
      defer {
        all[key] = b
        if all.count > 10_000 { all = all.filter { $0.value.tokens < capacity } }
      }
      if b.tokens >= 1 {
        b.tokens -= 1
        return .allowed
      }
      let wait = (1 - b.tokens) / refillPerSecond
      return .limited(retryAfter: max(1, Int(wait.rounded(.up))))
    }
  }
}
