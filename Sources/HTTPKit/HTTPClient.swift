import CCurl
import Foundation

/// The answer to one outbound HTTP request.
public struct HTTPClientResponse: Sendable {
  public var status: Int
  /// Lower-case header names.
  public var headers: [String: String]
  public var body: [UInt8]
  public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Blocking outbound HTTP over libcurl (one easy handle per request, safe from any thread).
public struct HTTPClient: Sendable {
  public var timeoutSeconds: Double
  public var username: String?
  public var password: String?

  public init(timeoutSeconds: Double = 10, username: String? = nil, password: String? = nil) {
    self.timeoutSeconds = timeoutSeconds
    self.username = username
    self.password = password
    HTTPClient.globalInit
  }

  private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

  /// Performs `method url` and returns any HTTP answer; throws only when no answer arrived.
  /// The error names the method and URL (never the headers, which may carry secrets).
  public func send(_ method: String, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil)
    throws -> HTTPClientResponse
  {
    guard let curl = curl_easy_init() else { throw HTTPKitError("could not \(method) \(Self.origin(url)): curl_easy_init failed") }
    defer { curl_easy_cleanup(curl) }
    let sink = ResponseSink()
    let sinkPtr = Unmanaged.passUnretained(sink).toOpaque()
    var list: UnsafeMutablePointer<curl_slist>? = nil
    for (k, v) in headers { list = curl_slist_append(list, "\(k): \(v)") }
    if body != nil { list = curl_slist_append(list, "Expect:") }
    defer { curl_slist_free_all(list) }
    _ = rc_curl_set_string(curl, CURLOPT_URL, url)
    _ = rc_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
    _ = rc_curl_set_long(curl, CURLOPT_TIMEOUT_MS, Int(timeoutSeconds * 1000))
    _ = rc_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT_MS, Int(min(timeoutSeconds, 5) * 1000))
    _ = rc_curl_set_string(curl, CURLOPT_CUSTOMREQUEST, method)
    if method == "HEAD" { _ = rc_curl_set_long(curl, CURLOPT_NOBODY, 1) }
    _ = rc_curl_set_slist(curl, CURLOPT_HTTPHEADER, list)
    _ = rc_curl_set_write(curl, curlWriteBody)
    _ = rc_curl_set_pointer(curl, CURLOPT_WRITEDATA, sinkPtr)
    _ = rc_curl_set_header_cb(curl, curlWriteHeader)
    _ = rc_curl_set_pointer(curl, CURLOPT_HEADERDATA, sinkPtr)
    if let username { _ = rc_curl_set_string(curl, CURLOPT_USERNAME, username) }
    if let password { _ = rc_curl_set_string(curl, CURLOPT_PASSWORD, password) }
    let payload = body ?? []
    let code: CURLcode = payload.withUnsafeBytes { raw in
      if body != nil {
        _ = rc_curl_set_off(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(raw.count))
        _ = rc_curl_set_pointer(curl, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
      }
      return curl_easy_perform(curl)
    }
    guard code == CURLE_OK else {
      throw HTTPKitError("could not \(method) \(Self.origin(url)): \(String(cString: curl_easy_strerror(code)))")
    }
    var status = 0
    _ = rc_curl_get_long(curl, CURLINFO_RESPONSE_CODE, &status)
    return HTTPClientResponse(status: status, headers: sink.headers, body: sink.body)
  }

  /// `scheme://host:port` of a URL. Errors name only this: webhook paths and queries, and
  /// user-info, often carry secrets.
  public static func origin(_ url: String) -> String {
    guard let c = URLComponents(string: url), let scheme = c.scheme, let host = c.host else { return "<invalid URL>" }
    return "\(scheme)://\(host)" + (c.port.map { ":\($0)" } ?? "")
  }
}

final class ResponseSink {
  var body: [UInt8] = []
  var headers: [String: String] = [:]
}

private let curlWriteBody: rc_curl_data_cb = { ptr, size, n, ud in
  guard let ptr, let ud else { return 0 }
  let sink = Unmanaged<ResponseSink>.fromOpaque(ud).takeUnretainedValue()
  let count = size * n
  ptr.withMemoryRebound(to: UInt8.self, capacity: count) { sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: count)) }
  return count
}

private let curlWriteHeader: rc_curl_data_cb = { ptr, size, n, ud in
  guard let ptr, let ud else { return 0 }
  let sink = Unmanaged<ResponseSink>.fromOpaque(ud).takeUnretainedValue()
  let count = size * n
  let line = ptr.withMemoryRebound(to: UInt8.self, capacity: count) { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) }
  if line.hasPrefix("HTTP/") { sink.headers = [:] }
  if let colon = line.firstIndex(of: ":") {
    let name = line[..<colon].lowercased()
    let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
    sink.headers[name] = value
  }
  return count
}
