import CCurl
import Foundation

/// The one libcurl driver of the code base: blocking HTTP/1.1 over TCP and TLS, on pooled easy handles that keep
/// their connections alive (unix sockets: `UnixSocketTransport`).
///
/// `HTTPClient` uses it with no idle handles (a fresh connection per request). Blocking: async callers run it off
/// the cooperative pool. A transfer polls its `TransferCancellation` from libcurl's callbacks.
public final class CurlTransport: Sendable {
  private let pool: CurlHandlePool

  /// `maxIdleHandles` handles (and their connections) are kept between requests; 0 keeps none.
  public init(maxIdleHandles: Int = 8) {
    self.pool = CurlHandlePool(maxIdle: maxIdleHandles)
  }

  /// Performs `request` and returns any HTTP answer. With `onChunk`, a 2xx body is handed over
  /// as it arrives (return false to stop) and only an error body is collected.
  /// Throws `CancellationError` once `cancellation` is set, else `TransferError`.
  public func perform(
    _ request: TransferRequest,
    cancellation: TransferCancellation = TransferCancellation(),
    onChunk: ((Data) -> Bool)? = nil
  ) throws -> TransferResponse {
    try pool.withHandle { handle in
      let box = TransferBox(handle: handle, onChunk: onChunk, cancellation: cancellation)
      let unmanaged = Unmanaged.passRetained(box)
      defer { unmanaged.release() }
      let opaque = unmanaged.toOpaque()

      var headers: UnsafeMutablePointer<curl_slist>? = nil
      defer { rc_curl_slist_free_all(curlAPI, headers) }
      for (name, value) in request.headers { headers = rc_curl_slist_append(curlAPI, headers, "\(name): \(value)") }
      if request.body != nil { headers = rc_curl_slist_append(curlAPI, headers, "Expect:") }

      _ = rc_curl_set_string(curlAPI, handle, CURLOPT_URL, request.url)
      _ = rc_curl_set_long(curlAPI, handle, CURLOPT_NOSIGNAL, 1)
      _ = rc_curl_set_long(curlAPI, handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000))
      _ = rc_curl_set_long(curlAPI, handle, CURLOPT_TIMEOUT_MS, Int((request.timeout ?? 0) * 1000))
      _ = rc_curl_set_write(curlAPI, handle, writeCallback)
      _ = rc_curl_set_pointer(curlAPI, handle, CURLOPT_WRITEDATA, opaque)
      _ = rc_curl_set_header_cb(curlAPI, handle, headerCallback)
      _ = rc_curl_set_pointer(curlAPI, handle, CURLOPT_HEADERDATA, opaque)
      _ = rc_curl_set_xferinfo_cb(curlAPI, handle, progressCallback)
      _ = rc_curl_set_pointer(curlAPI, handle, CURLOPT_XFERINFODATA, opaque)
      _ = rc_curl_set_long(curlAPI, handle, CURLOPT_NOPROGRESS, 0)
      switch (request.method, request.body) {
      case ("GET", nil): _ = rc_curl_set_long(curlAPI, handle, CURLOPT_HTTPGET, 1)
      case ("HEAD", _): _ = rc_curl_set_long(curlAPI, handle, CURLOPT_NOBODY, 1)
      default: _ = rc_curl_set_string(curlAPI, handle, CURLOPT_CUSTOMREQUEST, request.method)
      }
      if let username = request.username { _ = rc_curl_set_string(curlAPI, handle, CURLOPT_USERNAME, username) }
      if let password = request.password { _ = rc_curl_set_string(curlAPI, handle, CURLOPT_PASSWORD, password) }
      if let caBundlePath = request.caBundlePath { _ = rc_curl_set_string(curlAPI, handle, CURLOPT_CAINFO, caBundlePath) }
      _ = rc_curl_set_slist(curlAPI, handle, CURLOPT_HTTPHEADER, headers)

      let payload = request.body ?? Data()
      let code: CURLcode = payload.withUnsafeBytes { raw in
        if request.body != nil {
          // A non-null pointer even for an empty body: a null one makes libcurl read stdin.
          let bytes = UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!)
          _ = rc_curl_set_off(curlAPI, handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(raw.count))
          _ = rc_curl_set_pointer(curlAPI, handle, CURLOPT_POSTFIELDS, bytes)
        }
        return rc_curl_easy_perform(curlAPI, handle)
      }
      if code != CURLE_OK && !(box.stoppedByConsumer && code == CURLE_WRITE_ERROR) {
        if cancellation.isSet { throw CancellationError() }
        throw Self.failure(code, handle: handle)
      }
      return TransferResponse(status: box.status, headers: box.headers, body: box.body)
    }
  }

  private static func failure(_ code: CURLcode, handle: UnsafeMutableRawPointer) -> TransferError {
    var osErrno = 0
    _ = rc_curl_get_long(curlAPI, handle, CURLINFO_OS_ERRNO, &osErrno)
    var status = 0
    _ = rc_curl_get_long(curlAPI, handle, CURLINFO_RESPONSE_CODE, &status)
    let kind: TransferError.Kind =
      switch code {
      case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST: .couldNotConnect
      case CURLE_OPERATION_TIMEDOUT: .timedOut
      default: .other
      }
    return TransferError(
      kind: kind, message: String(cString: rc_curl_easy_strerror(curlAPI, code)), osErrno: Int32(osErrno), status: status)
  }
}

/// State shared with libcurl's C callbacks for the length of one transfer.
private final class TransferBox {
  let handle: UnsafeMutableRawPointer
  let onChunk: ((Data) -> Bool)?
  let cancellation: TransferCancellation
  var body = Data()
  var headers: [String: String] = [:]
  var stoppedByConsumer = false

  init(handle: UnsafeMutableRawPointer, onChunk: ((Data) -> Bool)?, cancellation: TransferCancellation) {
    self.handle = handle
    self.onChunk = onChunk
    self.cancellation = cancellation
  }

  var status: Int {
    var code = 0
    _ = rc_curl_get_long(curlAPI, handle, CURLINFO_RESPONSE_CODE, &code)
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

/// Keeps the headers of the last response (a `100 Continue` or redirect starts over), names lower-cased.
private let headerCallback: rc_curl_data_cb = { ptr, size, count, userdata in
  let box = Unmanaged<TransferBox>.fromOpaque(userdata!).takeUnretainedValue()
  let length = size * count
  guard let ptr else { return length }
  let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: length), as: UTF8.self)
  if line.hasPrefix("HTTP/") { box.headers = [:] }
  if let colon = line.firstIndex(of: ":") {
    let name = line[..<colon].lowercased()
    box.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
  }
  return length
}

private let progressCallback: rc_curl_xferinfo_cb = { userdata, _, _, _, _ in
  let box = Unmanaged<TransferBox>.fromOpaque(userdata!).takeUnretainedValue()
  return box.cancellation.isSet ? 1 : 0
}
