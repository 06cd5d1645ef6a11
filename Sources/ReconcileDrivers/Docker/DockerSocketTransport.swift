import CCurl
import Foundation

/// One HTTP request to the Engine, path already versioned (`/v1.41/containers/json`).
struct DockerHTTPRequest: Sendable {
  var method: String
  var path: String
  var query: [(String, String)] = []
  var body: Data? = nil
  var contentType: String? = nil
  /// Overall deadline for the whole exchange; nil means none (streams).
  var timeout: Double? = 60

  /// `POST /containers/create`: method and unversioned path, for error texts.
  var call: String {
    let unversioned = path.replacingOccurrences(
      of: #"^/v[0-9]+\.[0-9]+"#, with: "", options: .regularExpression)
    return "\(method) \(unversioned)"
  }
}

struct DockerHTTPResponse: Sendable {
  var status: Int
  var body: Data
}

/// A set flag that a transfer polls to abort early (task cancellation, consumer done).
final class TransferCancellation: @unchecked Sendable {
  private let lock = NSLock()
  private var flag = false
  var isSet: Bool { lock.lock(); defer { lock.unlock() }; return flag }
  func set() { lock.lock(); flag = true; lock.unlock() }
}

/// State shared with libcurl's C callbacks for the length of one transfer.
private final class TransferBox {
  let handle: UnsafeMutableRawPointer
  let onChunk: ((Data) -> Bool)?
  let cancellation: TransferCancellation
  var body = Data()
  var upload: Data
  var uploadOffset = 0
  var stoppedByConsumer = false

  init(handle: UnsafeMutableRawPointer, upload: Data, onChunk: ((Data) -> Bool)?, cancellation: TransferCancellation) {
    self.handle = handle
    self.upload = upload
    self.onChunk = onChunk
    self.cancellation = cancellation
  }

  var status: Int {
    var code = 0
    _ = rc_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &code)
    return code
  }
}

private let writeCallback: rc_curl_data_cb = { ptr, size, count, userdata in
  let box = Unmanaged<TransferBox>.fromOpaque(userdata!).takeUnretainedValue()
  let length = size * count
  if box.cancellation.isSet { return 0 }
  guard let ptr, length > 0 else { return length }
  let chunk = Data(bytes: ptr, count: length)
  if let onChunk = box.onChunk, box.status < 300 {
    if !onChunk(chunk) {
      box.stoppedByConsumer = true
      return 0
    }
    return length
  }
  box.body.append(chunk)
  return length
}

private let readCallback: rc_curl_data_cb = { ptr, size, count, userdata in
  let box = Unmanaged<TransferBox>.fromOpaque(userdata!).takeUnretainedValue()
  guard let ptr else { return 0 }
  let n = min(size * count, box.upload.count - box.uploadOffset)
  if n <= 0 { return 0 }
  box.upload.withUnsafeBytes { raw in
    let base = raw.baseAddress!.advanced(by: box.uploadOffset)
    UnsafeMutableRawPointer(ptr).copyMemory(from: base, byteCount: n)
  }
  box.uploadOffset += n
  return n
}

private let progressCallback: rc_curl_xferinfo_cb = { userdata, _, _, _, _ in
  let box = Unmanaged<TransferBox>.fromOpaque(userdata!).takeUnretainedValue()
  return box.cancellation.isSet ? 1 : 0
}

/// HTTP/1.1 over the Engine's unix socket with libcurl (`CURLOPT_UNIX_SOCKET_PATH`).
///
/// Blocking; callers run it off the cooperative pool (see `DockerEngineClient`).
struct DockerSocketTransport: Sendable {
  let host: String
  let socketPath: String
  let connectTimeout: Double
  let pool: CurlHandlePool

  /// Performs `request`; with `onChunk`, a 2xx body is handed over as it arrives
  /// (return false to stop) and only an error body is collected.
  func perform(
    _ request: DockerHTTPRequest,
    cancellation: TransferCancellation = TransferCancellation(),
    onChunk: ((Data) -> Bool)? = nil
  ) throws -> DockerHTTPResponse {
    try pool.withHandle { handle in
      let box = TransferBox(
        handle: handle, upload: request.body ?? Data(), onChunk: onChunk, cancellation: cancellation)
      let unmanaged = Unmanaged.passRetained(box)
      defer { unmanaged.release() }
      let opaque = unmanaged.toOpaque()

      var headers: UnsafeMutablePointer<curl_slist>? = nil
      defer { curl_slist_free_all(headers) }
      headers = curl_slist_append(headers, "Expect:")
      if let type = request.contentType { headers = curl_slist_append(headers, "Content-Type: \(type)") }

      _ = rc_curl_set_string(handle, CURLOPT_UNIX_SOCKET_PATH, socketPath)
      _ = rc_curl_set_string(handle, CURLOPT_URL, "http://localhost" + request.path + Self.encode(request.query))
      _ = rc_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
      _ = rc_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout * 1000))
      _ = rc_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int((request.timeout ?? 0) * 1000))
      _ = rc_curl_set_write(handle, writeCallback)
      _ = rc_curl_set_pointer(handle, CURLOPT_WRITEDATA, opaque)
      _ = rc_curl_set_xferinfo_cb(handle, progressCallback)
      _ = rc_curl_set_pointer(handle, CURLOPT_XFERINFODATA, opaque)
      _ = rc_curl_set_long(handle, CURLOPT_NOPROGRESS, 0)
      switch request.method {
      case "GET":
        _ = rc_curl_set_long(handle, CURLOPT_HTTPGET, 1)
      case "HEAD":
        _ = rc_curl_set_long(handle, CURLOPT_NOBODY, 1)
      default:
        // Every other method sends a body (possibly empty) through the read callback.
        _ = rc_curl_set_long(handle, CURLOPT_UPLOAD, 1)
        _ = rc_curl_set_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(box.upload.count))
        _ = rc_curl_set_read(handle, readCallback)
        _ = rc_curl_set_pointer(handle, CURLOPT_READDATA, opaque)
        _ = rc_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
      }
      _ = rc_curl_set_slist(handle, CURLOPT_HTTPHEADER, headers)

      let code = curl_easy_perform(handle)
      if code != CURLE_OK && !(box.stoppedByConsumer && code == CURLE_WRITE_ERROR) {
        if cancellation.isSet { throw CancellationError() }
        throw error(for: code, handle: handle, request: request)
      }
      return DockerHTTPResponse(status: box.status, body: box.body)
    }
  }

  private func error(for code: CURLcode, handle: UnsafeMutableRawPointer, request: DockerHTTPRequest) -> DockerEngineError {
    switch code {
    case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST:
      var osErrno = 0
      _ = rc_curl_get_long(handle, CURLINFO_OS_ERRNO, &osErrno)
      let cause = osErrno != 0 ? String(cString: strerror(Int32(osErrno))).lowercased() : "connection refused"
      return .unreachable(host: host, cause: cause)
    case CURLE_OPERATION_TIMEDOUT:
      var connected = 0
      _ = rc_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &connected)
      if connected == 0, request.timeout == nil || request.timeout! > connectTimeout {
        // No answer at all within the connect timeout is an unreachable engine.
        var osErrno = 0
        _ = rc_curl_get_long(handle, CURLINFO_OS_ERRNO, &osErrno)
        if osErrno != 0 { return .unreachable(host: host, cause: String(cString: strerror(Int32(osErrno))).lowercased()) }
      }
      return .timedOut(host: host, call: request.call, seconds: request.timeout ?? connectTimeout)
    default:
      return .transport(host: host, call: request.call, cause: String(cString: curl_easy_strerror(code)).lowercased())
    }
  }

  static func encode(_ query: [(String, String)]) -> String {
    guard !query.isEmpty else { return "" }
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    let parts = query.map { key, value in
      "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
    }
    return "?" + parts.joined(separator: "&")
  }
}
