import Foundation

/// Threads that run closures taken from one queue: up to `limit`, started when every running one is busy, so
/// that a handler that waits on another service holds a worker, never an event-loop thread (the HTTP server), and
/// blocking requests run as many at once as there are connections for them (the Docker Engine client).
/// A thread idle for `idleSeconds` ends (a client made for each run of a controller would otherwise leave its threads
/// behind at every run).
public final class WorkerPool: @unchecked Sendable {
  private let limit: Int
  private let idleSeconds: Double
  private let cond = NSCondition()
  private var queue: [@Sendable () -> Void] = []
  private var threads = 0
  private var idle = 0

  public init(limit: Int, idleSeconds: Double = 10) {
    self.limit = max(1, limit)
    self.idleSeconds = idleSeconds
  }

  /// The threads running now, busy or idle.
  var threadCount: Int { cond.withLock { threads } }

  public func run(_ work: @escaping @Sendable () -> Void) {
    cond.lock()
    queue.append(work)
    // An idle thread takes one piece each (a woken one counts as idle until it has taken its piece): a piece more
    // than there are idle threads needs a new thread.
    let start = queue.count > idle && threads < limit
    if start { threads += 1 } else { cond.signal() }
    cond.unlock()
    if start {
      let t = Thread { [self] in loop() }
      t.name = "http-worker"
      t.start()
    }
  }

  private func loop() {
    cond.lock()
    while true {
      while queue.isEmpty {
        idle += 1
        let woken = cond.wait(until: Date().addingTimeInterval(idleSeconds))
        idle -= 1
        if !woken && queue.isEmpty {
          threads -= 1
          cond.unlock()
          return
        }
      }
      let work = queue.removeFirst()
      cond.unlock()
      work()
      cond.lock()
    }
  }
}
