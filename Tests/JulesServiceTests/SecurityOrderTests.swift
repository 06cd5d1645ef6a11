import Foundation
import Testing
@testable import JulesService
import TestSupport

/// The four `/api/*` checks over real HTTP: allowlist, fingerprint, token, rate limit — in that order.
/// Loopback is a trusted proxy here so `X-Forwarded-For` can play clients from other networks.
@Suite(.serialized) struct SecurityOrderTests {
  static let fp = "google/pixel/8:14/AP1A/123:user/release-keys"

  struct Case: Sendable, CustomStringConvertible {
    let name: String
    let xff: String
    let fingerprint: String?
    let token: String?
    let status: Int
    var description: String { name }
  }

  static let cases: [Case] = [
    Case(name: "all good v4", xff: "10.1.2.3", fingerprint: fp, token: ServiceHarness.token, status: 200),
    Case(name: "all good v6", xff: "fd00::5", fingerprint: fp, token: ServiceHarness.token, status: 200),
    Case(name: "v4 outside allowlist", xff: "192.168.1.1", fingerprint: fp, token: ServiceHarness.token, status: 403),
    Case(name: "v6 outside allowlist", xff: "2001:db8::1", fingerprint: fp, token: ServiceHarness.token, status: 403),
    Case(name: "missing fingerprint", xff: "10.1.2.3", fingerprint: nil, token: ServiceHarness.token, status: 403),
    Case(name: "wrong fingerprint", xff: "10.1.2.3", fingerprint: fp + "x", token: ServiceHarness.token, status: 403),
    Case(name: "missing token", xff: "10.1.2.3", fingerprint: fp, token: nil, status: 401),
    Case(name: "wrong token", xff: "10.1.2.3", fingerprint: fp, token: "nope", status: 401),
    Case(name: "allowlist before token", xff: "192.168.1.1", fingerprint: nil, token: "nope", status: 403),
    Case(name: "fingerprint before token", xff: "10.1.2.3", fingerprint: "bad", token: "nope", status: 403),
  ]

  @Test(arguments: cases)
  func outcome(_ c: Case) throws {
    let h = try ServiceHarness([
      "ALLOWLIST": "10.0.0.0/8,fd00::/8", "TRUSTED_PROXIES": "127.0.0.1/32",
      "AUTHORIZED_FINGERPRINTS": "other-device," + Self.fp,
    ])
    defer { h.stop() }
    var headers = [("X-Forwarded-For", c.xff)]
    if let f = c.fingerprint { headers.append(("X-Device-Fingerprint", f)) }
    let r = try h.request("/api/sessions", token: c.token, headers: headers)
    #expect(r.status == c.status, "\(c.name): \(r.text)")
    #expect(r.headers["x-content-type-options"] == "nosniff")
    #expect(r.headers["x-frame-options"] == "DENY")
    #expect(r.headers["referrer-policy"] == "no-referrer")
    // Secrets never reach the log.
    #expect(!h.log.text.contains(ServiceHarness.token) && !h.log.text.contains(Self.fp) && !h.log.text.contains(ServiceHarness.apiKey))
  }

  /// A session id ending in an encoded newline must not reach the upstream request line (`$` in a pattern matches
  /// before a final newline; the id check anchors at the very end).
  @Test func aSessionIdWithAnEncodedNewlineIsRefused() throws {
    let h = try ServiceHarness([:])
    defer { h.stop() }
    for id in ["abc%0A", "abc%0D%0AX-Injected:%201", "abc%0D"] {
      let r = try h.request("/api/sessions/\(id)")
      #expect(r.status == 400, "\(id): \(r.status) \(r.text)")
    }
    #expect(try h.request("/api/sessions/abc-123").status != 400)
  }

  @Test func forwardedForIgnoredWithoutTrustedProxy() throws {
    let h = try ServiceHarness([:])  // empty ALLOWLIST: loopback only
    defer { h.stop() }
    #expect(try h.request("/api/sessions", headers: [("X-Forwarded-For", "10.1.1.1")]).status == 200)
    let strict = try ServiceHarness(["ALLOWLIST": "10.0.0.0/8"])
    defer { strict.stop() }
    #expect(try strict.request("/api/sessions", headers: [("X-Forwarded-For", "10.1.1.1")]).status == 403)
  }

  @Test func rateLimitAnswers429WithRetryAfter() throws {
    let h = try ServiceHarness(["RATE_LIMIT": "3/m"])
    defer { h.stop() }
    for _ in 0..<3 { #expect(try h.request("/api/sessions").status == 200) }
    let r = try h.request("/api/sessions")
    #expect(r.status == 429)
    #expect(r.headers["retry-after"] == "20")
    // Unauthenticated requests are refused before they can spend the bucket.
    #expect(try h.request("/api/sessions", token: "bad").status == 401)
    #expect(h.service.metrics.render().contains("jules_rate_limited_total 1"))
  }

  @Test func corsPreflightAndBodyLimit() throws {
    let h = try ServiceHarness(["CORS_ORIGIN": "https://ui.example", "MAX_BODY_BYTES": "2048"])
    defer { h.stop() }
    let ok = try h.request(
      "OPTIONS", "/api/sessions", token: nil,
      headers: [
        ("Origin", "https://ui.example"),
        ("Access-Control-Request-Method", "POST"),
      ])
    #expect(ok.status == 204)
    #expect(ok.headers["access-control-allow-origin"] == "https://ui.example")
    #expect(ok.headers["access-control-allow-headers"]?.contains("Authorization") == true)
    let other = try h.request("OPTIONS", "/api/sessions", token: nil, headers: [("Origin", "https://evil.example")])
    #expect(other.status == 403 && other.headers["access-control-allow-origin"] == nil)
    let get = try h.request("/api/sessions", headers: [("Origin", "https://ui.example")])
    #expect(get.headers["access-control-allow-origin"] == "https://ui.example")
    let big = try h.request("POST", "/api/sessions", body: [UInt8](repeating: 65, count: 4096))
    #expect(big.status == 413)
  }

  @Test func healthAndMetricsNeedNoToken() throws {
    let h = try ServiceHarness([:])
    defer { h.stop() }
    let health = try h.request("/healthz", token: nil)
    #expect(health.status == 200 && health.text.contains("\"version\":\"\(JulesRouter.version)\""))
    _ = try h.request("/api/sessions", token: "wrong")
    let m = try h.request("/metrics", token: nil).text
    #expect(m.contains("jules_auth_failures_total{cause=\"token\"} 1"))
    #expect(m.contains("jules_http_requests_total{route=\"/healthz\",status=\"200\"} 1"))
    #expect(m.contains("jules_live_clients 0"))
    // The API base points at a closed port: not ready, with the reason.
    let ready = try h.request("/readyz", token: nil)
    #expect(ready.status == 503 && ready.text.contains("Jules API unreachable"))
  }
}

@Suite struct SecretRedactionTests {
  /// Webhook URLs often carry a secret in the path: errors and logs name only the origin.
  @Test func failedWebhookLogNamesOnlyTheOrigin() throws {
    let log = CapturedLog()
    let port = UInt16(freePort())  // nothing listens here
    let q = WebhookDeliveryQueue(
      label: "notify", url: "http://user:pw@127.0.0.1:\(port)/hooks/T0SECRET/B0SECRET?token=q1",
      secret: "s", maxAttempts: 1, logger: log.logger)
    q.start()
    q.enqueue(Array("{}".utf8))
    #expect(eventually(within: 10) { q.currentStats.failed == 1 })
    q.stop(grace: 1)
    #expect(log.text.contains("could not POST http://127.0.0.1:\(port)"))
    for secret in ["T0SECRET", "B0SECRET", "q1", "user", "pw@"] { #expect(!log.text.contains(secret), "\(secret)") }
  }

  @Test func metricsFollowTheAllowlist() throws {
    let h = try ServiceHarness(["ALLOWLIST": "10.0.0.0/8"])
    defer { h.stop() }
    #expect(try h.request("/metrics", token: nil).status == 403)
    #expect(try h.request("/healthz", token: nil).status == 200)
  }
}
