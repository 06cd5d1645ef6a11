import Foundation
import JulesService

/// A running JulesService on 127.0.0.1 with a port of its own, and a client for it.
final class ServiceHarness: Sendable {
  static let token = "local-token-7f3a9c"
  static let apiKey = "api-key-2b8e41"
  let service: JulesService
  let log = CapturedLog()
  var base: String { "http://127.0.0.1:\(service.port)" }

  /// Starts the service from `env` (LOCAL_TOKEN, JULES_API_KEY, HOST, PORT are filled in unless given).
  init(_ env: [String: String]) throws {
    var e = [
      "LOCAL_TOKEN": Self.token, "JULES_API_KEY": Self.apiKey, "HOST": "127.0.0.1", "PORT": "0",
      "JULES_API_BASE": "http://127.0.0.1:9/v1alpha", "NOTES_WATCH": "0",
    ]
    e.merge(env) { _, new in new }
    service = try JulesService(config: try JulesConfig.load(environment: e), logger: log.logger)
    try service.start()
  }

  func stop() { service.shutdown(grace: 2) }

  /// Sends a request; `token: nil` omits Authorization.
  func request(_ path: String, token: String? = ServiceHarness.token, headers: [(String, String)] = []) throws -> HTTPClientResponse {
    try request("GET", path, token: token, headers: headers, body: nil)
  }

  func request(
    _ method: String, _ path: String, token: String? = ServiceHarness.token,
    headers: [(String, String)] = [], body: [UInt8]? = nil
  ) throws -> HTTPClientResponse {
    var h = headers
    if let token { h.append(("Authorization", "Bearer \(token)")) }
    return try HTTPClient(timeoutSeconds: 10).send(method, base + path, headers: h, body: body)
  }
}
