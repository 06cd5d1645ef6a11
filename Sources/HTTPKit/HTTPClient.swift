import Foundation

/// The answer to one outbound HTTP request.
public struct HTTPClientResponse: Sendable {
  public var status: Int
  /// Lower-case header names.
  public var headers: [String: String]
  public var body: [UInt8]
  public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Blocking outbound HTTP over `CurlTransport`, a fresh connection per request (safe from any thread).
public struct HTTPClient: Sendable {
  public var timeoutSeconds: Double
  public var username: String?
  public var password: String?
  /// A PEM file of CA certificates to trust for HTTPS instead of the system's (e.g. a test ACME server's CA).
  public var caBundlePath: String?

  /// No idle handles: nothing is kept alive between requests.
  private static let transport = CurlTransport(maxIdleHandles: 0)

  public init(timeoutSeconds: Double = 10, username: String? = nil, password: String? = nil, caBundlePath: String? = nil) {
    self.timeoutSeconds = timeoutSeconds
    self.username = username
    self.password = password
    self.caBundlePath = caBundlePath
  }

  /// Performs `method url` and returns any HTTP answer; throws only when no answer arrived.
  /// The error names the method and URL (never the headers, which may carry secrets).
  public func send(_ method: String, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil)
    throws -> HTTPClientResponse
  {
    var request = TransferRequest(method: method, url: url, timeout: timeoutSeconds, connectTimeout: min(timeoutSeconds, 5))
    request.headers = headers
    request.body = body.map { Data($0) }
    request.username = username
    request.password = password
    request.caBundlePath = caBundlePath
    do {
      let response = try Self.transport.perform(request)
      return HTTPClientResponse(status: response.status, headers: response.headers, body: [UInt8](response.body))
    } catch let error as TransferError {
      throw HTTPKitError("could not \(method) \(Self.origin(url)): \(error.message)", isTimeout: error.kind == .timedOut)
    }
  }

  /// `scheme://host:port` of a URL. Errors name only this: webhook paths and queries, and
  /// user-info, often carry secrets.
  public static func origin(_ url: String) -> String {
    guard let c = URLComponents(string: url), let scheme = c.scheme, let host = c.host else { return "<invalid URL>" }
    return "\(scheme)://\(host)" + (c.port.map { ":\($0)" } ?? "")
  }
}
