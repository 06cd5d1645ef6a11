import CMicroHTTPD
import Foundation

/// A connection taken out of libmicrohttpd's event loop while it waits: for a worker's answer, or for a stream's
/// next chunk. `wake` puts it back (at once if it is out, else the next `suspendUnlessWoken` does not take it out);
/// `stop` makes it end at its next turn (the server stopping: libmicrohttpd must not be stopped with a connection out).
final class Suspension: @unchecked Sendable {
  private let lock = NSLock()
  private let connection: OpaquePointer?
  private var suspended = false
  private var wakePending = false
  private var over = false
  private(set) var stopping = false
  private var answer: HTTPResponse?
  /// A stream's: woken every second besides, so that it can send a keep-alive without a timer of its own.
  let ticks: Bool

  init(_ connection: OpaquePointer?, ticks: Bool) {
    self.connection = connection
    self.ticks = ticks
  }

  /// Takes the connection out unless a wake arrived since the last turn; true when it is out. Only from
  /// libmicrohttpd's callbacks for this connection.
  func suspendUnlessWoken() -> Bool {
    lock.lock()
    defer { lock.unlock() }
    if wakePending || stopping || over {
      wakePending = false
      return false
    }
    suspended = true
    rc_mhd_suspend_connection(mhdAPI, connection)
    return true
  }

  func wake() {
    lock.lock()
    defer { lock.unlock() }
    guard !over else { return }
    if suspended {
      suspended = false
      rc_mhd_resume_connection(mhdAPI, connection)
    } else {
      wakePending = true
    }
  }

  /// A worker's answer: kept for the connection's next turn, which this wakes.
  func answer(_ response: HTTPResponse) {
    lock.lock()
    answer = response
    lock.unlock()
    wake()
  }

  /// The worker's answer, once (nil until it came).
  func takeAnswer() -> HTTPResponse? {
    lock.lock()
    defer { lock.unlock() }
    defer { answer = nil }
    return answer
  }

  func stop() {
    lock.lock()
    stopping = true
    lock.unlock()
    wake()
  }

  /// The connection is done with it: later wakes do nothing.
  func end() {
    lock.lock()
    over = true
    lock.unlock()
  }

  /// Whether the client hung up. Only from libmicrohttpd's callbacks for this connection.
  var peerGone: Bool { rc_mhd_peer_gone(mhdAPI, connection) != 0 }

  var isOut: Bool {
    lock.lock()
    defer { lock.unlock() }
    return suspended
  }
}
