import Essentials

/// libmicrohttpd's messages (a connection refused at the limit, a failed accept) as `warn` lines, at most one a second:
/// a flood of refusals says how many it left out instead of writing one line each.
final class ServerMessageLog: Sendable {
  let logger: JSONLogger
  let clock: MonotonicClock
  private let state = Locked((second: -1.0, suppressed: 0))

  init(logger: JSONLogger, clock: @escaping MonotonicClock = systemMonotonicSeconds) {
    self.logger = logger
    self.clock = clock
  }

  func record(_ message: String) {
    let now = clock().rounded(.down)
    let suppressed: Int? = state.withLock { s in
      guard now > s.second else {
        s.suppressed += 1
        return nil
      }
      defer { s = (now, 0) }
      return s.suppressed
    }
    guard let suppressed else { return }
    logger.warn("http server", ["detail": message, "suppressed_since_last": suppressed])
  }
}
