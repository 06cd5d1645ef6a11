import Foundation

/// One connected stream socket, non-blocking, read through a buffer; every wait is bounded by the exchange's deadline
/// and checks its cancellation at least once a second (as libcurl's progress callback did).
struct SocketConnection {
  let fd: Int32
  /// Bytes read: `start..<end` are not consumed yet.
  private var storage: [UInt8] = []
  var start = 0
  private(set) var end = 0
  var cancellation = TransferCancellation()
  var deadline: Double? = nil
  /// The HTTP status once the head is read (errors report it), else 0.
  var status = 0

  init(fd: Int32) { self.fd = fd }

  /// Connects to the unix socket at `path`, waiting at most `timeout` seconds (a full listen backlog).
  static func connect(path: String, timeout: Double) throws -> SocketConnection {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard path.utf8.count < capacity else {
      throw TransferError(kind: .couldNotConnect, message: "socket path too long: \(path)", osErrno: ENAMETOOLONG, status: 0)
    }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      raw.copyBytes(from: path.utf8)
      raw[path.utf8.count] = 0
    }
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw TransferError(kind: .other, message: "socket: \(String(cString: strerror(errno)))", osErrno: errno, status: 0) }
    // A blocking connect bounded by the send timeout; the exchange itself is non-blocking.
    var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    if connected != 0 {
      let code = errno
      Glibc.close(fd)
      if code == EAGAIN || code == EINPROGRESS {
        throw TransferError(kind: .timedOut, message: "Timeout was reached", osErrno: ETIMEDOUT, status: 0)
      }
      throw TransferError(kind: .couldNotConnect, message: "Couldn't connect to server", osErrno: code, status: 0)
    }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    return SocketConnection(fd: fd)
  }

  func close() { Glibc.close(fd) }

  /// True when an idle kept-alive connection was closed (or spoke out of turn) meanwhile: not to be used.
  var isStale: Bool {
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, 0) != 0
  }

  /// Sends all of `bytes`.
  mutating func send(_ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
      let sent = Glibc.send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
      if sent > 0 {
        offset += sent
      } else if sent < 0 && (errno == EAGAIN || errno == EINTR) {
        try wait(for: POLLOUT)
      } else {
        throw closed(errno)
      }
    }
  }

  /// Reads what has arrived into the buffer, waiting for it; false at the end of the stream. A stream that never
  /// pauses still ends at its deadline or cancellation.
  mutating func fill() throws -> Bool {
    _ = try timeLeft()
    if start == end {
      start = 0
      end = 0
    }
    if storage.count - end < 16384 {
      if start > 0 {
        storage.withUnsafeMutableBytes { raw in
          raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: end - start)
        }
        end -= start
        start = 0
      }
      if storage.count - end < 16384 { storage += repeatElement(0, count: max(65536, storage.count)) }
    }
    while true {
      let room = storage.count - end
      let received = storage.withUnsafeMutableBytes { read(fd, $0.baseAddress! + end, room) }
      if received > 0 {
        end += received
        return true
      }
      if received == 0 { return false }
      guard errno == EAGAIN || errno == EINTR else { throw closed(errno) }
      try wait(for: POLLIN)
    }
  }

  /// The unconsumed bytes.
  var pending: ArraySlice<UInt8> { storage[start..<end] }

  /// Waits until the socket is ready for `events`, the deadline passes (timed out) or the exchange is cancelled.
  private func wait(for events: Int32) throws {
    while true {
      let slice = min(1, try timeLeft())
      var entry = pollfd(fd: fd, events: Int16(events), revents: 0)
      let ready = poll(&entry, 1, Int32((slice * 1000).rounded(.up)))
      if ready > 0 { return }
      if ready < 0 && errno != EINTR { throw closed(errno) }
    }
  }

  /// Seconds to the deadline (infinity without one); throws once it passed or the exchange was cancelled.
  private func timeLeft() throws -> Double {
    if cancellation.isSet { throw CancellationError() }
    guard let deadline else { return .infinity }
    let left = deadline - systemMonotonicSeconds()
    if left <= 0 { throw TransferError(kind: .timedOut, message: "Timeout was reached", osErrno: 0, status: status) }
    return left
  }

  private func closed(_ code: Int32) -> TransferError {
    TransferError(kind: .other, message: "Connection failed: \(String(cString: strerror(code)))", osErrno: code, status: status)
  }
}
