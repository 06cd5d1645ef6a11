import Essentials
import Foundation

/// HTTP/1.1 over a unix socket (the Docker Engine's, nginx's status socket) on kept-alive pooled connections, written
/// on the socket calls: loading Debian's libcurl (27 libraries with it) took 4 ms of every command that asked the
/// Engine anything, and kept them all mapped in a controller that follows the Engine's events. `CurlTransport` stays
/// for HTTP over TCP and TLS.
///
/// The same requests, answers and errors as `CurlTransport`. Blocking: async callers run it off the cooperative pool.
/// A transfer checks its `TransferCancellation` at least once a second while it waits.
public final class UnixSocketTransport: Sendable {
  public let socketPath: String
  private let idle = Locked<[Int32]>([])
  private let maxIdle: Int

  /// `maxIdleConnections` connections are kept between requests; 0 keeps none.
  public init(socketPath: String, maxIdleConnections: Int = 8) {
    self.socketPath = socketPath
    self.maxIdle = maxIdleConnections
  }

  deinit {
    for fd in idle.current { close(fd) }
  }

  /// Performs `request` and returns any HTTP answer. With `onChunk`, a 2xx body is handed over as it arrives (return
  /// false to stop) and only an error body is collected. Throws `CancellationError` once `cancellation` is set, else
  /// `TransferError`.
  public func perform(
    _ request: TransferRequest,
    cancellation: TransferCancellation = TransferCancellation(),
    onChunk: ((Data) -> Bool)? = nil
  ) throws -> TransferResponse {
    if cancellation.isSet { throw CancellationError() }
    let head = Array(Self.head(of: request).utf8)
    let deadline = request.timeout.map { systemMonotonicSeconds() + $0 }
    // A kept-alive connection the other end closed since fails before the first byte of an answer, having read
    // nothing: the request goes again on the next one, and at last on a new connection.
    while var connection = takeIdle() {
      do {
        return try exchange(&connection, head, request, cancellation, deadline, onChunk)
      } catch is UnansweredRequest { continue }
    }
    var connection = try SocketConnection.connect(path: socketPath, timeout: request.connectTimeout)
    do {
      return try exchange(&connection, head, request, cancellation, deadline, onChunk)
    } catch is UnansweredRequest {
      throw TransferError(kind: .other, message: "Empty reply from server", osErrno: 0, status: 0)
    }
  }

  /// Sends the request and reads its answer, bounded by `deadline` and `cancellation`; the connection goes back to
  /// the pool when its answer was read whole and it may carry another, else it is closed (also on any error).
  private func exchange(
    _ connection: inout SocketConnection, _ head: [UInt8], _ request: TransferRequest, _ cancellation: TransferCancellation,
    _ deadline: Double?, _ onChunk: ((Data) -> Bool)?
  ) throws -> TransferResponse {
    connection.cancellation = cancellation
    connection.deadline = deadline
    do {
      let body = request.body ?? Data()
      do {
        if body.count <= 65536 {
          try (head + body).withUnsafeBytes { try connection.send($0) }
        } else {
          try head.withUnsafeBytes { try connection.send($0) }
          try body.withUnsafeBytes { try connection.send($0) }
        }
      } catch let failure as TransferError where failure.osErrno == EPIPE || failure.osErrno == ECONNRESET {
        throw UnansweredRequest()
      }
      var reader = ResponseReader(method: request.method, onChunk: onChunk)
      let reusable = try reader.read(&connection)
      if reusable { give(connection) } else { connection.close() }
      return TransferResponse(status: reader.status, headers: reader.headers, body: reader.body)
    } catch {
      connection.close()
      throw error
    }
  }

  /// `GET /path?query HTTP/1.1` and its headers, the Host from the URL's authority.
  static func head(of request: TransferRequest) -> String {
    var rest = Substring(request.url)
    for scheme in ["http://", "https://"] where rest.hasPrefix(scheme) { rest = rest.dropFirst(scheme.count) }
    let slash = rest.firstIndex(of: "/") ?? rest.endIndex
    let target = slash == rest.endIndex ? "/" : rest[slash...]
    var text = "\(request.method) \(target) HTTP/1.1\r\nHost: \(rest[..<slash])\r\n"
    for (name, value) in request.headers where !value.isEmpty { text += "\(name): \(value)\r\n" }
    if let body = request.body { text += "Content-Length: \(body.count)\r\n" }
    return text + "\r\n"
  }

  private func takeIdle() -> SocketConnection? {
    while let fd = idle.withLock({ $0.popLast() }) {
      let connection = SocketConnection(fd: fd)
      if !connection.isStale { return connection }
      connection.close()
    }
    return nil
  }

  private func give(_ connection: SocketConnection) {
    let kept = idle.withLock { fds in
      guard fds.count < maxIdle else { return false }
      fds.append(connection.fd)
      return true
    }
    if !kept { connection.close() }
  }
}

/// The other end closed the connection before answering: it read nothing of the request.
struct UnansweredRequest: Error {}
