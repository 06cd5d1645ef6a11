import Foundation
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// A built-in HTTP-01 responder for the first issuance, before the managed proxy runs: serves
/// `/.well-known/acme-challenge/TOKEN` from the webroot on an IPv4 `HOST:PORT` until stopped.
final class ChallengeResponder: @unchecked Sendable {
  let fd: Int32
  let webroot: String
  private let thread: Thread?

  /// Binds `listen` (`127.0.0.1:18080`) and starts answering on a thread; throws when the port is taken.
  init(listen: String, webroot: String) throws {
    self.webroot = webroot
    let parts = listen.split(separator: ":")
    guard parts.count == 2, let port = UInt16(parts[1]) else { throw OperationError("expected the responder address as HOST:PORT, got '\(listen)'") }
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    inet_pton(AF_INET, String(parts[0]), &addr.sin_addr)
    let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard bound == 0, Glibc.listen(fd, 16) == 0 else {
      let why = String(cString: strerror(errno))
      close(fd)
      throw OperationError(doing: "start the built-in HTTP-01 responder on \(listen)", why)
    }
    self.fd = fd
    let (sock, root) = (fd, webroot)
    thread = Thread { ChallengeResponder.serve(sock, webroot: root) }
    thread?.start()
  }

  /// Whether something already accepts connections on `listen`.
  static func isListening(_ listen: String) -> Bool {
    let parts = listen.split(separator: ":")
    guard parts.count == 2, let port = UInt16(parts[1]) else { return false }
    let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(s) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    inet_pton(AF_INET, String(parts[0]), &addr.sin_addr)
    return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
  }

  func stop() {
    shutdown(fd, Int32(SHUT_RDWR))
    close(fd)
  }

  static func serve(_ fd: Int32, webroot: String) {
    while true {
      let c = accept(fd, nil, nil)
      if c < 0 {
        if errno == EINTR { continue }
        return
      }
      var buf = [UInt8](repeating: 0, count: 4096)
      let n = recv(c, &buf, buf.count, 0)
      let head = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : ""
      let parts = head.split(separator: " ", maxSplits: 2)
      var status = "404 Not Found", body = "not found\n"
      if parts.count >= 2, parts[0] == "GET", parts[1].hasPrefix("/.well-known/acme-challenge/") {
        let token = parts[1].dropFirst("/.well-known/acme-challenge/".count)
        if !token.isEmpty, !token.contains("/"), !token.contains(".."), let text = HostFiles.read("\(webroot)/.well-known/acme-challenge/\(token)") {
          status = "200 OK"
          body = text
        }
      }
      let reply = "HTTP/1.1 \(status)\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
      _ = reply.withCString { send(c, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
      close(c)
    }
  }
}
