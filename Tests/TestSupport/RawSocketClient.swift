import Foundation
import HTTPKit
import JulesService

/// A blocking TCP client on 127.0.0.1 for protocols the curl client does not speak in tests
/// (WebSocket frames, an open Server-Sent Events stream).
public final class RawSocketClient: @unchecked Sendable {
  public let fd: Int32
  public var buffer: [UInt8] = []
  /// Set when the peer closed the connection (recv returned 0 or failed).
  public var closed = false

  /// Connects to 127.0.0.1:`port`, from `source` (another loopback address plays another client).
  public init(port: UInt16, from source: String? = nil) throws {
    fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    if let source {
      var local = sockaddr_in()
      local.sin_family = sa_family_t(AF_INET)
      local.sin_addr.s_addr = inet_addr(source)
      _ = withUnsafePointer(to: &local) { p in p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &addr) { p in
      p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else { close(fd); throw JulesError("could not connect to 127.0.0.1:\(port)") }
  }

  deinit { close(fd) }

  public func write(_ s: String) { write(Array(s.utf8)) }
  public func write(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }

  /// Reads until `done(buffer)` holds or `timeout` passes; returns whether it held.
  public func read(timeout: Double = 10, until done: ([UInt8]) -> Bool) -> Bool {
    let deadline = systemMonotonicSeconds() + timeout
    var chunk = [UInt8](repeating: 0, count: 8192)
    while !done(buffer) {
      let left = deadline - systemMonotonicSeconds()
      if left <= 0 { return false }
      var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      if poll(&p, 1, Int32(max(1, left * 1000))) <= 0 { continue }
      let n = recv(fd, &chunk, chunk.count, 0)
      if n <= 0 { closed = true; return done(buffer) }
      buffer += chunk[0..<n]
    }
    return true
  }

  public var text: String { String(decoding: buffer, as: UTF8.self) }

  /// Performs the WebSocket handshake; returns the response head.
  public func webSocketHandshake(path: String = "/ws", protocolHeader: String?) -> String? {
    write(
      "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + (protocolHeader.map { "Sec-WebSocket-Protocol: \($0)\r\n" } ?? "") + "\r\n")
    guard read(until: { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") }) else { return nil }
    let t = text
    let end = t.range(of: "\r\n\r\n")!
    let head = String(t[..<end.lowerBound])
    buffer = Array(t[end.upperBound...].utf8)
    return head
  }

  /// Reads WebSocket text frames until one satisfies `match`.
  public func nextTextFrame(timeout: Double = 10, where match: (String) -> Bool) -> String? {
    var found: String? = nil
    _ = read(timeout: timeout) { buf in
      var b = buf
      while let f = WebSocketFrame.decode(b) {
        b.removeFirst(f.consumed)
        let s = String(decoding: f.payload, as: UTF8.self)
        if f.opcode == 1 && match(s) { found = s; return true }
      }
      return false
    }
    return found
  }
}
