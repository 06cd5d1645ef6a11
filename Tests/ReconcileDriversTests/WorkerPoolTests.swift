import Essentials
import Foundation
import TestSupport
import Testing

@testable import HTTPKit

@Suite struct WorkerPoolTests {
  /// Up to `limit` pieces run at once, each on a thread of its own; threads left idle end, and the pool starts new
  /// ones for the next pieces.
  @Test func piecesRunAtOnceUpToTheLimitAndIdleThreadsEnd() {
    let pool = WorkerPool(limit: 4, idleSeconds: 0.3)
    let running = Locked(0), most = Locked(0), done = Locked(0)
    for _ in 0..<12 {
      pool.run {
        let now = running.withLock {
          $0 += 1; return $0
        }
        most.withLock { $0 = max($0, now) }
        usleep(50_000)
        running.withLock { $0 -= 1 }
        done.withLock { $0 += 1 }
      }
    }
    #expect(eventually(within: 5) { done.current == 12 })
    #expect(most.current == 4, "at most the limit at once, and the limit reached: \(most.current)")
    #expect(pool.threadCount == 4)
    #expect(eventually(within: 3) { pool.threadCount == 0 }, "idle threads end")
    pool.run { done.withLock { $0 += 1 } }
    #expect(eventually(within: 2) { done.current == 13 }, "a piece after they ended starts a thread again")
  }
}
