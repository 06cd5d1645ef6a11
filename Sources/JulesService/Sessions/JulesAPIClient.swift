import Essentials
import Foundation

/// Calls the Jules API v1alpha with `X-Goog-Api-Key`. The key is sent, never logged or put in errors.
public struct JulesAPIClient: Sendable {
  public let base: String
  let apiKey: String
  let http: HTTPClient
  /// Hears every call: method, seconds, and the failure (`timeout`, `rate_limited`, `unavailable`, `unreachable`).
  let observe: (@Sendable (String, Double, String?) -> Void)?

  public init(base: String, apiKey: String, timeoutSeconds: Double = 10, observe: (@Sendable (String, Double, String?) -> Void)? = nil) {
    self.base = base
    self.apiKey = apiKey
    self.http = HTTPClient(timeoutSeconds: timeoutSeconds)
    self.observe = observe
  }

  /// Sends a request and returns status and body as they came; throws when the API did not answer. With `retries`
  /// (for idempotent calls), a 429 or 5xx answer is asked again after 300 ms, 600 ms, 1.2 s … (plus up to 200 ms).
  public func raw(
    _ method: String, _ path: String, query: [String: String] = [:], body: [UInt8]? = nil,
    timeout: Double? = nil, retries: Int = 0
  ) throws -> HTTPClientResponse {
    var attempt = 0
    while true {
      let r = try once(method, path, query: query, body: body, timeout: timeout)
      guard r.status == 429 || r.status >= 500, attempt < retries else { return r }
      Thread.sleep(forTimeInterval: 0.3 * Double(1 << attempt) + Double.random(in: 0..<0.2))
      attempt += 1
    }
  }

  func once(_ method: String, _ path: String, query: [String: String], body: [UInt8]?, timeout: Double?) throws -> HTTPClientResponse {
    var url = base + path
    let q = query.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.escape($0.value))" }
    if !q.isEmpty { url += "?" + q.joined(separator: "&") }
    var headers = [("X-Goog-Api-Key", apiKey), ("Accept", "application/json")]
    if body != nil { headers.append(("Content-Type", "application/json")) }
    var client = http
    if let timeout { client.timeoutSeconds = timeout }
    let started = systemMonotonicSeconds()
    do {
      let r = try client.send(method, url, headers: headers, body: body)
      observe?(method, systemMonotonicSeconds() - started, r.status == 429 ? "rate_limited" : r.status >= 500 ? "unavailable" : nil)
      return r
    } catch let error as HTTPKitError {
      observe?(method, systemMonotonicSeconds() - started, error.isTimeout ? "timeout" : "unreachable")
      throw error
    }
  }

  /// Reads every page of `GET /sessions`.
  public func listAllSessions(pageSize: Int = 100, maxPages: Int = 1000) throws -> [JulesSession] {
    var all: [JulesSession] = []
    var token: String? = nil
    for _ in 0..<maxPages {
      var q = ["pageSize": String(pageSize)]
      if let token { q["pageToken"] = token }
      let r = try raw("GET", "/sessions", query: q)
      guard r.status == 200 else {
        throw JulesError("could not list sessions: Jules API answered \(r.status) on GET /sessions")
      }
      guard let page = try? JSONDecoder().decode(SessionPage.self, from: Data(r.body)) else {
        throw JulesError("could not list sessions: Jules API answered GET /sessions with a body that is not a session page")
      }
      all += page.sessions ?? []
      guard let next = page.nextPageToken, !next.isEmpty else { return all }
      token = next
    }
    throw JulesError("could not list sessions: more than \(maxPages) pages")
  }

  static func escape(_ s: String) -> String {
    PercentEncoding.encode(s)
  }
}
