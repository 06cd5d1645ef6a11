import Foundation

/// Pages through the Jules API every `interval` seconds, diffs against the store by `id` and
/// `updateTime`, records the deltas and hands them to `emit` (webhook and live clients).
///
/// Runs on its own thread because each poll blocks in libcurl.
public final class SessionPoller: @unchecked Sendable {
  let api: JulesAPIClient
  let store: SessionStore
  let interval: Double
  let logger: JSONLogger
  let metrics: MetricsRegistry
  let emit: @Sendable ([SessionDelta]) -> Void
  private let pollLock = NSLock()
  private let cond = NSCondition()
  private var poked = false
  private var stopping = false
  private var finished = false

  public init(
    api: JulesAPIClient, store: SessionStore, interval: Double, logger: JSONLogger, metrics: MetricsRegistry,
    emit: @escaping @Sendable ([SessionDelta]) -> Void
  ) {
    self.api = api
    self.store = store
    self.interval = interval
    self.logger = logger
    self.metrics = metrics
    self.emit = emit
  }

  /// Polls once: `GET /sessions` (all pages), diff, store, emit. Returns the deltas.
  @discardableResult
  public func pollOnce() throws -> [SessionDelta] {
    pollLock.lock()
    defer { pollLock.unlock() }
    do {
      let sessions = try api.listAllSessions()
      let deltas = SessionDiff.deltas(from: store.snapshot, to: sessions, timestamp: JSONLogger.timestamp())
      try store.apply(sessions: sessions, deltas: deltas)
      metrics.pollRun(failed: false)
      if !deltas.isEmpty { emit(deltas) }
      return deltas
    } catch {
      metrics.pollRun(failed: true)
      throw error
    }
  }

  /// Asks for a poll now (after a create or an action) instead of at the next tick.
  public func poke() {
    cond.lock()
    poked = true
    cond.signal()
    cond.unlock()
  }

  public func start() {
    let t = Thread { [self] in loop() }
    t.name = "session-poller"
    t.start()
  }

  /// Stops the loop and waits (up to `grace` seconds) for a poll in progress.
  public func stop(grace: Double) {
    cond.lock()
    stopping = true
    cond.broadcast()
    let deadline = Date().addingTimeInterval(grace)
    while !finished && cond.wait(until: deadline) {}
    cond.unlock()
  }

  private func loop() {
    var failures = 0
    while true {
      do {
        try pollOnce()
        if failures > 0 { logger.info("session poll recovered", ["after_failures": failures]) }
        failures = 0
      } catch {
        failures += 1
        if failures == 1 || failures % 10 == 0 { logger.warn("session poll failed", ["error": "\(error)", "consecutive": failures]) }
      }
      cond.lock()
      let deadline = Date().addingTimeInterval(failures > 0 ? min(interval * Double(1 << min(failures, 4)), 60) : interval)
      while !poked && !stopping && cond.wait(until: deadline) {}
      poked = false
      if stopping {
        finished = true
        cond.broadcast()
        cond.unlock()
        return
      }
      cond.unlock()
    }
  }
}
