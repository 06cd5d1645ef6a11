import Foundation
import Essentials

/// One WebSocket connection after the RFC 6455 handshake: answers pings and close frames, receives session deltas
/// as text frames from the hub, and pings every `heartbeat` seconds as the peer does: a client that did not answer
/// the previous ping is dropped, and so is one that cannot take a frame within a second (its stream would be cut).
public final class WebSocketClient: ConnectionUpgrader, @unchecked Sendable {
  let hub: LiveClientHub
  let heartbeat: Double
  private let writeLock = NSLock()
  private var fd: Int32 = -1
  private let closing = Locked(false)

  public init(hub: LiveClientHub, heartbeat: Double = 30) {
    self.hub = hub
    self.heartbeat = heartbeat
  }

  public func run(socket: Int32, extra: [UInt8], close: @escaping @Sendable () -> Void) {
    fd = socket
    guard hub.register(self) else {
      // 1001 going away (the service stops) or 1013 try again later (full).
      sendFrame(.close, hub.isClosed ? [0x03, 0xe9] : [0x03, 0xf5])
      close()
      return
    }
    defer {
      hub.unregister(self)
      close()
    }
    var buffer = extra
    var chunk = [UInt8](repeating: 0, count: 4096)
    var nextPing = systemMonotonicSeconds() + heartbeat
    var answered = true
    while true {
      while let f = WebSocketFrame.decode(buffer) {
        buffer.removeFirst(f.consumed)
        switch f.opcode {
        case WebSocketFrame.Opcode.close.rawValue:
          sendFrame(.close, Array(f.payload.prefix(2)))
          return
        case WebSocketFrame.Opcode.ping.rawValue:
          sendFrame(.pong, f.payload)
        case WebSocketFrame.Opcode.pong.rawValue:
          answered = true
        default:
          break  // client messages are not part of the protocol; ignored
        }
      }
      if closing.current {
        sendFrame(.close, [0x03, 0xe9])  // 1001 going away
        return
      }
      if systemMonotonicSeconds() >= nextPing {
        guard answered else { return }  // no pong since the last ping: the client is gone
        answered = false
        sendFrame(.ping, [])
        nextPing = systemMonotonicSeconds() + heartbeat
      }
      var p = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
      let ready = poll(&p, 1, 200)
      if ready < 0 && errno != EINTR { return }
      if ready <= 0 { continue }
      let n = recv(socket, &chunk, chunk.count, 0)
      if n == 0 { return }
      if n < 0 {
        if errno == EAGAIN || errno == EINTR { continue }
        return
      }
      buffer += chunk[0..<n]
      if buffer.count > 1 << 20 { return }  // a client flooding us is dropped
    }
  }

  /// Sends one text frame; a broken connection is noticed by the read loop.
  public func send(text: [UInt8]) { sendFrame(.text, text) }

  func requestClose() { closing.withLock { $0 = true } }

  private func sendFrame(_ op: WebSocketFrame.Opcode, _ payload: [UInt8]) {
    let frame = WebSocketFrame.encode(op, payload)
    writeLock.lock()
    defer { writeLock.unlock() }
    var off = 0
    while off < frame.count {
      let n = frame.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, frame.count - off, Int32(MSG_NOSIGNAL)) }
      if n > 0 { off += n; continue }
      if n < 0 && (errno == EAGAIN || errno == EINTR) {
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        if poll(&p, 1, 1000) > 0 { continue }
      }
      // Half a frame went out, or none could: the stream is unusable, so the connection ends (the read loop sees it).
      Glibc.shutdown(fd, Int32(SHUT_RDWR))
      return
    }
  }
}
