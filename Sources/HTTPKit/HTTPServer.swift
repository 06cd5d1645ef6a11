import CMicroHTTPD
import Foundation
import Essentials

/// An HTTP/1.1 server on libmicrohttpd (thread per connection), calling one handler per request.
///
/// Starts a listening socket on `start()`; `shutdown(grace:)` stops accepting, lets in-flight
/// requests finish within the grace period and then closes every connection.
public final class HTTPServer: @unchecked Sendable {
  public struct Options: Sendable {
    public var host: String = "127.0.0.1"
    public var port: UInt16 = 0
    public var maxBodyBytes: Int = 1 << 20
    public var connectionLimit: UInt32 = 512
    public var timeoutSeconds: UInt32 = 30
    public var memoryLimitBytes: Int = 32 * 1024
    public var perIPConnectionLimit: UInt32 = 0
    /// Decides at accept time, before a thread or a byte is spent on it, whether a peer may connect at all.
    public var acceptPolicy: (@Sendable (IPAddress) -> Bool)?
    /// Where libmicrohttpd's own messages go (a refused connection, a failed accept); stderr as plain text when nil.
    public var log: (@Sendable (String) -> Void)?
    /// Headers added to every response (security headers).
    public var defaultHeaders: [(String, String)] = []
    public init() {}
  }

  public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

  public let options: Options
  let handler: Handler
  private var daemon: OpaquePointer?
  private var address = sockaddr_storage()
  public private(set) var port: UInt16 = 0
  let inFlight = Locked(0)

  public init(options: Options, handler: @escaping Handler) {
    self.options = options
    self.handler = handler
  }

  /// Binds and starts serving. Throws when the address is malformed or the port cannot be bound.
  public func start() throws {
    var flags =
      MHD_USE_THREAD_PER_CONNECTION.rawValue | MHD_USE_INTERNAL_POLLING_THREAD.rawValue
      | MHD_USE_ERROR_LOG.rawValue | MHD_ALLOW_UPGRADE.rawValue | MHD_USE_ITC.rawValue | MHD_USE_POLL.rawValue
    guard let ip = IPAddress(options.host) else {
      throw HTTPKitError("could not start HTTP server: bind address '\(options.host)' is not an IP address")
    }
    let length = Self.fill(&address, ip, options.port)
    // `::` takes IPv4 clients too (as `::ffff:a.b.c.d`, which `IPAddress` reads as IPv4), as Node's `listen` does.
    if !ip.isIPv4 { flags |= ip.bytes.allSatisfy { $0 == 0 } ? MHD_USE_DUAL_STACK.rawValue : MHD_USE_IPv6.rawValue }
    _ = length
    let cls = Unmanaged.passUnretained(self).toOpaque()
    daemon = withUnsafePointer(to: &address) { p in
      p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
        rc_mhd_start(
          flags, options.port, sa, httpServerAccessHandler, cls, httpServerCompleted,
          options.connectionLimit, options.timeoutSeconds, options.memoryLimitBytes,
          options.perIPConnectionLimit, options.acceptPolicy == nil ? nil : httpServerAcceptPolicy, cls,
          options.log == nil ? nil : httpServerLog)
      }
    }
    guard let daemon else {
      throw HTTPKitError("could not start HTTP server on \(options.host):\(options.port): libmicrohttpd refused (port in use or not permitted)")
    }
    port = rc_mhd_bound_port(daemon)
  }

  /// Stops accepting, waits up to `grace` seconds for in-flight requests, then stops the daemon.
  public func shutdown(grace: Double) {
    guard let d = daemon else { return }
    let listen = MHD_quiesce_daemon(d)
    let deadline = systemMonotonicSeconds() + grace
    while inFlight.current > 0 && systemMonotonicSeconds() < deadline { usleep(10_000) }
    MHD_stop_daemon(d)
    if listen >= 0 { close(listen) }
    daemon = nil
  }

  private static func fill(_ storage: inout sockaddr_storage, _ ip: IPAddress, _ port: UInt16) -> Int {
    withUnsafeMutablePointer(to: &storage) { p in
      if ip.isIPv4 {
        return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
          sin.pointee.sin_family = sa_family_t(AF_INET)
          sin.pointee.sin_port = port.bigEndian
          withUnsafeMutableBytes(of: &sin.pointee.sin_addr) { $0.copyBytes(from: ip.bytes) }
          return MemoryLayout<sockaddr_in>.size
        }
      }
      return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
        sin6.pointee.sin6_family = sa_family_t(AF_INET6)
        sin6.pointee.sin6_port = port.bigEndian
        withUnsafeMutableBytes(of: &sin6.pointee.sin6_addr) { $0.copyBytes(from: ip.bytes) }
        return MemoryLayout<sockaddr_in6>.size
      }
    }
  }

  deinit { if daemon != nil { shutdown(grace: 0) } }
}

/// Per-request state kept in MHD's `con_cls` slot between calls of the access handler.
final class RequestContext {
  var body: [UInt8] = []
  var rejected = false
  /// The 413 was queued already (Content-Length over the limit, answered on the first call).
  var answered = false
  var discarded = 0
}

/// The connection's values of one kind (headers, query arguments) in the order MHD holds them.
private func connectionValues(_ connection: OpaquePointer?, _ kind: MHD_ValueKind) -> [(key: String, value: String)] {
  final class Box { var pairs: [(key: String, value: String)] = [] }
  let box = Box()
  _ = MHD_get_connection_values(
    connection, kind,
    { cls, _, key, value in
      guard let cls, let key else { return .YES }
      Unmanaged<Box>.fromOpaque(cls).takeUnretainedValue().pairs.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
      return .YES
    }, Unmanaged.passUnretained(box).toOpaque())
  return box.pairs
}

/// Headers by lower-case name; a repeated header's values are joined with ", ".
private func collectHeaders(_ connection: OpaquePointer?) -> [String: String] {
  var headers: [String: String] = [:]
  for (key, value) in connectionValues(connection, .HEADER_KIND) {
    let name = key.lowercased()
    if let old = headers[name] { headers[name] = old + ", " + value } else { headers[name] = value }
  }
  return headers
}

/// Query arguments by name; the last of a repeated argument wins.
private func collectQuery(_ connection: OpaquePointer?) -> [String: String] {
  Dictionary(connectionValues(connection, .GET_ARGUMENT_KIND), uniquingKeysWith: { _, last in last })
}

/// Refuses a connection whose peer the server's `acceptPolicy` does not admit (MHD closes it at once).
private let httpServerAcceptPolicy: MHD_AcceptPolicyCallback = { cls, addr, _ in
  guard let cls, let addr, let ip = IPAddress(sockaddr: addr) else { return .NO }
  let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
  return server.options.acceptPolicy?(ip) ?? true ? .YES : .NO
}

/// libmicrohttpd's messages, formatted, to the server's `log`.
private let httpServerLog: MHD_LogCallback = { cls, format, args in
  guard let cls, let format, let args else { return }
  var buffer = [CChar](repeating: 0, count: 512)
  _ = vsnprintf(&buffer, buffer.count, format, args)
  let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
  server.options.log?(String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines))
}

private let httpServerAccessHandler: MHD_AccessHandlerCallback = {
  cls, connection, url, method, _, uploadData, uploadSize, conCls in
  guard let cls, let conCls, let uploadSize else { return .NO }
  let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
  let ctx: RequestContext
  if let existing = conCls.pointee {
    ctx = Unmanaged<RequestContext>.fromOpaque(existing).takeUnretainedValue()
  } else {
    ctx = RequestContext()
    conCls.pointee = Unmanaged.passRetained(ctx).toOpaque()
    server.inFlight.withLock { $0 += 1 }
    let length = MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Length").map { String(cString: $0) }
    if let length, let n = Int(length), n > server.options.maxBodyBytes {
      ctx.rejected = true
      ctx.answered = true
      return queue(server, connection, HTTPResponse.error(413, "request body exceeds \(server.options.maxBodyBytes) bytes"))
    }
    // Answering on this first call would make libmicrohttpd close the connection
    // (the request is not complete yet); the answer comes on the final call.
    return .YES
  }
  if uploadSize.pointee > 0 {
    if ctx.rejected {
      // Over the limit without a Content-Length (chunked): libmicrohttpd only takes a response once
      // the upload is complete, so the rest is read and dropped — up to 4x the limit, then the
      // connection is closed without an answer.
      ctx.discarded += uploadSize.pointee
      if ctx.discarded > 4 * server.options.maxBodyBytes { return .NO }
    } else if ctx.body.count + uploadSize.pointee > server.options.maxBodyBytes {
      ctx.rejected = true
      ctx.discarded = ctx.body.count + uploadSize.pointee
      ctx.body = []
    } else if let uploadData {
      uploadData.withMemoryRebound(to: UInt8.self, capacity: uploadSize.pointee) {
        ctx.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: uploadSize.pointee))
      }
    }
    uploadSize.pointee = 0
    return .YES
  }
  if ctx.rejected {
    if ctx.answered { return .YES }
    ctx.answered = true
    return queue(server, connection, HTTPResponse.error(413, "request body exceeds \(server.options.maxBodyBytes) bytes"))
  }
  return respond(server, connection, url, method, ctx)
}

private func respond(
  _ server: HTTPServer, _ connection: OpaquePointer?, _ url: UnsafePointer<CChar>?,
  _ method: UnsafePointer<CChar>?, _ ctx: RequestContext
) -> MHD_Result {
  let peer = rc_mhd_client_addr(connection).flatMap { IPAddress(sockaddr: $0) }
  let request = HTTPRequest(
    method: method.map { String(cString: $0) } ?? "GET",
    path: url.map { String(cString: $0) } ?? "/",
    query: collectQuery(connection), headers: collectHeaders(connection),
    body: ctx.body, peer: peer)
  ctx.body = []
  return queue(server, connection, server.handler(request))
}

private func queue(_ server: HTTPServer, _ connection: OpaquePointer?, _ response: HTTPResponse) -> MHD_Result {
  let mhd: OpaquePointer?
  switch response.body {
  case .bytes(let bytes):
    mhd = bytes.withUnsafeBytes { raw in
      MHD_create_response_from_buffer(raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress), .RESPMEM_MUST_COPY)
    }
  case .stream(let stream):
    let box = Unmanaged.passRetained(StreamBox(stream)).toOpaque()
    mhd = MHD_create_response_from_callback(rc_mhd_size_unknown(), 4096, streamReader, box, streamFree)
  case .upgrade(let upgrader):
    let box = Unmanaged.passRetained(UpgradeBox(upgrader)).toOpaque()
    mhd = MHD_create_response_for_upgrade(upgradeHandler, box)
  }
  guard let mhd else { return .NO }
  for (k, v) in server.options.defaultHeaders { _ = MHD_add_response_header(mhd, k, v) }
  for (k, v) in response.headers { _ = MHD_add_response_header(mhd, k, v) }
  let result = MHD_queue_response(connection, UInt32(response.status), mhd)
  MHD_destroy_response(mhd)
  return result
}

private let httpServerCompleted: MHD_RequestCompletedCallback = { cls, _, conCls, _ in
  guard let cls, let conCls, let raw = conCls.pointee else { return }
  let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
  Unmanaged<RequestContext>.fromOpaque(raw).release()
  conCls.pointee = nil
  server.inFlight.withLock { $0 -= 1 }
}

final class StreamBox {
  let stream: any ResponseStream
  var pending: [UInt8] = []
  init(_ s: any ResponseStream) { stream = s }
}

private let streamReader: MHD_ContentReaderCallback = { cls, _, buf, max in
  guard let cls, let buf else { return rc_mhd_end_with_error() }
  let box = Unmanaged<StreamBox>.fromOpaque(cls).takeUnretainedValue()
  if box.pending.isEmpty {
    guard let next = box.stream.nextChunk() else { return rc_mhd_end_of_stream() }
    box.pending = next
    if next.isEmpty { return 0 }
  }
  let n = min(max, box.pending.count)
  box.pending.withUnsafeBytes { raw in UnsafeMutableRawPointer(buf).copyMemory(from: raw.baseAddress!, byteCount: n) }
  box.pending.removeFirst(n)
  return n
}

private let streamFree: MHD_ContentReaderFreeCallback = { cls in
  guard let cls else { return }
  let box = Unmanaged<StreamBox>.fromOpaque(cls).takeRetainedValue()
  box.stream.finished()
}

final class UpgradeBox {
  let upgrader: any ConnectionUpgrader
  init(_ u: any ConnectionUpgrader) { upgrader = u }
}

/// Wraps MHD's upgrade handle so the WebSocket thread can close it.
private final class UpgradeHandle: @unchecked Sendable {
  let urh: OpaquePointer?
  init(_ urh: OpaquePointer?) { self.urh = urh }
}

private let upgradeHandler: MHD_UpgradeHandler = { cls, _, _, extraIn, extraSize, sock, urh in
  guard let cls else { return }
  let box = Unmanaged<UpgradeBox>.fromOpaque(cls).takeRetainedValue()
  let extra: [UInt8] =
    extraIn.map { p in
      p.withMemoryRebound(to: UInt8.self, capacity: extraSize) { Array(UnsafeBufferPointer(start: $0, count: extraSize)) }
    } ?? []
  let handle = UpgradeHandle(urh)
  let upgrader = box.upgrader
  let closed = Locked(false)
  let thread = Thread {
    upgrader.run(socket: sock, extra: extra) {
      let first = closed.withLock { done -> Bool in
        defer { done = true }; return !done
      }
      if first { _ = rc_mhd_upgrade_close(handle.urh) }
    }
  }
  thread.start()
}
