import CMicroHTTPD
import Foundation
import Essentials

/// Per-request state kept in MHD's `con_cls` slot between calls of the access handler.
final class RequestContext {
  var body: [UInt8] = []
  var rejected = false
  /// The 413 was queued already (Content-Length over the limit, answered on the first call).
  var answered = false
  var discarded = 0
  /// Set while a worker handles the request (its connection out of the loop).
  var suspension: Suspension?
}

/// The connection's values of one kind (headers, query arguments) in the order MHD holds them.
private func connectionValues(_ connection: OpaquePointer?, _ kind: MHD_ValueKind) -> [(key: String, value: String)] {
  final class Box { var pairs: [(key: String, value: String)] = [] }
  let box = Box()
  _ = rc_mhd_get_connection_values(
    mhdAPI, connection, kind,
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
let httpServerAcceptPolicy: MHD_AcceptPolicyCallback = { cls, addr, _ in
  guard let cls, let addr, let ip = IPAddress(sockaddr: addr) else { return .NO }
  let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
  return server.options.acceptPolicy?(ip) ?? true ? .YES : .NO
}

/// libmicrohttpd's messages, formatted, to the server's `log`.
let httpServerLog: MHD_LogCallback = { cls, format, args in
  guard let cls, let format, let args else { return }
  var buffer = [CChar](repeating: 0, count: 512)
  _ = vsnprintf(&buffer, buffer.count, format, args)
  let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
  server.options.log?(String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines))
}

let httpServerAccessHandler: MHD_AccessHandlerCallback = {
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
    let length = rc_mhd_lookup_connection_value(mhdAPI, connection, .HEADER_KIND, "Content-Length").map { String(cString: $0) }
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
  if let waiting = ctx.suspension {
    // Back in the loop: the worker's answer, or a 503 when the server stopped before it came.
    if let answer = waiting.takeAnswer() {
      server.untrack(waiting)
      return queue(server, connection, answer)
    }
    if waiting.stopping {
      server.untrack(waiting)
      return queue(server, connection, HTTPResponse.error(503, "the server is stopping"))
    }
    _ = waiting.suspendUnlessWoken()
    return .YES
  }
  let peer = rc_mhd_client_addr(mhdAPI, connection).flatMap { IPAddress(sockaddr: $0) }
  let request = HTTPRequest(
    method: method.map { String(cString: $0) } ?? "GET",
    path: url.map { String(cString: $0) } ?? "/",
    query: collectQuery(connection), headers: collectHeaders(connection),
    body: ctx.body, peer: peer)
  ctx.body = []
  if server.options.quick?(request) == true { return queue(server, connection, server.handler(request)) }
  let waiting = Suspension(connection, ticks: false)
  guard server.track(waiting) else { return queue(server, connection, HTTPResponse.error(503, "the server is stopping")) }
  ctx.suspension = waiting
  _ = waiting.suspendUnlessWoken()
  let handler = server.handler
  server.workers.run { waiting.answer(handler(request)) }
  return .YES
}

private func queue(_ server: HTTPServer, _ connection: OpaquePointer?, _ response: HTTPResponse) -> MHD_Result {
  let mhd: OpaquePointer?
  switch response.body {
  case .bytes(let bytes):
    mhd = bytes.withUnsafeBytes { raw in
      rc_mhd_create_response_from_buffer(mhdAPI, raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress), .RESPMEM_MUST_COPY)
    }
  case .stream(let stream):
    let waiting = Suspension(connection, ticks: true)
    guard server.track(waiting) else { return queue(server, connection, HTTPResponse.error(503, "the server is stopping")) }
    let box = Unmanaged.passRetained(StreamBox(stream, server, waiting)).toOpaque()
    mhd = rc_mhd_create_response_from_callback(mhdAPI, rc_mhd_size_unknown(), 4096, streamReader, box, streamFree)
  case .upgrade(let upgrader):
    let box = Unmanaged.passRetained(UpgradeBox(upgrader)).toOpaque()
    mhd = rc_mhd_create_response_for_upgrade(mhdAPI, upgradeHandler, box)
  }
  guard let mhd else { return .NO }
  for (k, v) in server.options.defaultHeaders { _ = rc_mhd_add_response_header(mhdAPI, mhd, k, v) }
  for (k, v) in response.headers { _ = rc_mhd_add_response_header(mhdAPI, mhd, k, v) }
  let result = rc_mhd_queue_response(mhdAPI, connection, UInt32(response.status), mhd)
  rc_mhd_destroy_response(mhdAPI, mhd)
  return result
}

let httpServerCompleted: MHD_RequestCompletedCallback = { cls, _, conCls, _ in
  guard let cls, let conCls, let raw = conCls.pointee else { return }
  let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
  let ctx = Unmanaged<RequestContext>.fromOpaque(raw).takeRetainedValue()
  if let waiting = ctx.suspension { server.untrack(waiting) }
  conCls.pointee = nil
  server.inFlight.withLock { $0 -= 1 }
}

final class StreamBox {
  let stream: any ResponseStream
  let server: HTTPServer
  let waiting: Suspension
  var pending: [UInt8] = []
  init(_ s: any ResponseStream, _ server: HTTPServer, _ waiting: Suspension) {
    stream = s
    self.server = server
    self.waiting = waiting
  }
}

/// The stream's next bytes; when it has none yet, the connection leaves the loop until the stream wakes it (or the
/// server's tick does, every second, for keep-alives).
private let streamReader: MHD_ContentReaderCallback = { cls, _, buf, max in
  guard let cls, let buf else { return rc_mhd_end_with_error() }
  let box = Unmanaged<StreamBox>.fromOpaque(cls).takeUnretainedValue()
  while box.pending.isEmpty {
    if box.waiting.stopping { return rc_mhd_end_with_error() }
    let waiting = box.waiting
    switch box.stream.next(wake: { waiting.wake() }) {
    case .chunk(let bytes): box.pending = bytes
    case .end: return rc_mhd_end_of_stream()
    case .later:
      // A suspended connection's hang-up goes unseen by libmicrohttpd: looked at on each turn (a wake or the tick).
      if box.waiting.peerGone { return rc_mhd_end_with_error() }
      if box.waiting.suspendUnlessWoken() { return 0 }
    }
  }
  let n = min(max, box.pending.count)
  box.pending.withUnsafeBytes { raw in UnsafeMutableRawPointer(buf).copyMemory(from: raw.baseAddress!, byteCount: n) }
  box.pending.removeFirst(n)
  return n
}

private let streamFree: MHD_ContentReaderFreeCallback = { cls in
  guard let cls else { return }
  let box = Unmanaged<StreamBox>.fromOpaque(cls).takeRetainedValue()
  box.server.untrack(box.waiting)
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
      if first { _ = rc_mhd_upgrade_close(mhdAPI, handle.urh) }
    }
  }
  thread.start()
}
