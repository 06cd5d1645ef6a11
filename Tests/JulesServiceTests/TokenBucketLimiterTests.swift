import Testing
@testable import JulesService
import Essentials

@Suite struct TokenBucketLimiterTests {
  @Test func burstThenRefill() {
    let now = Locked(100.0)
    let limiter = TokenBucketLimiter(requests: 3, perSeconds: 60, clock: { now.current })
    #expect(limiter.take("a") == .allowed)
    #expect(limiter.take("a") == .allowed)
    #expect(limiter.take("a") == .allowed)
    #expect(limiter.take("a") == .limited(retryAfter: 20))
    #expect(limiter.take("b") == .allowed)  // buckets are per client
    now.withLock { $0 += 19 }
    #expect(limiter.take("a") == .limited(retryAfter: 1))
    now.withLock { $0 += 1 }
    #expect(limiter.take("a") == .allowed)
    #expect(limiter.take("a") == .limited(retryAfter: 20))
  }

  @Test func zeroDisables() {
    let limiter = TokenBucketLimiter(requests: 0, perSeconds: 60)
    for _ in 0..<100 { #expect(limiter.take("a") == .allowed) }
  }
}
