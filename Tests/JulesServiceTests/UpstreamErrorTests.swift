import Foundation
import JulesService
import Testing

/// The peer's route and error contract (Coldaine/JulesMCP `routes/sessions.ts`, `julesClient.ts`), black box against a
/// scripted Jules API: every upstream failure is a JSON body, a timeout is 408, 429 passes, a 5xx is 502 with
/// `retry: true` after the idempotent call was retried, `/approve` beside `/approve-plan`.
@Suite struct UpstreamErrorTests {
  static func json(_ r: HTTPClientResponse) -> [String: AnyHashable]? {
    (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: AnyHashable]
  }

  func withService(_ env: [String: String] = [:], _ body: (ServiceHarness, ScriptedJulesAPI) throws -> Void) throws {
    let api = try ScriptedJulesAPI()
    defer { api.shutdown() }
    var e = ["JULES_API_BASE": api.base, "POLL_INTERVAL_SECONDS": "3600"]
    e.merge(env) { _, new in new }
    let h = try ServiceHarness(e)
    defer { h.stop() }
    try body(h, api)
  }

  @Test func upstreamFailuresAreJSONAsThePeerMapsThem() throws {
    try withService { h, api in
      api.script("GET /sessions/gone", [.init(status: 404, body: "not_found")])
      var r = try h.request("/api/sessions/gone")
      #expect(r.status == 404 && r.headers["content-type"] == "application/json")
      #expect(Self.json(r) == ["error": "jules_error", "detail": "not_found"])

      api.script("POST /sessions", [.init(status: 429, body: "slow down")])
      r = try h.request("POST", "/api/sessions", body: Array(#"{"prompt":"x"}"#.utf8))
      #expect(r.status == 429 && Self.json(r) == ["error": "jules_rate_limited"])
      #expect(api.count("POST /sessions") == 1, "a create is not idempotent: never retried")

      api.script("GET /sessions/down", [.init(status: 503, body: "server_down")])
      r = try h.request("/api/sessions/down")
      #expect(r.status == 502 && r.text == #"{"error":"jules_unavailable","retry":true}"#)
      #expect(api.count("GET /sessions/down") == 4, "retried three times with backoff")
    }
  }

  @Test func aReadRetriesThroughPassingFailures() throws {
    try withService { h, api in
      api.script("GET /sessions/flaky/activities", [.init(status: 503, body: ""), .init(status: 429, body: ""), .init(status: 200, body: #"{"activities":[]}"#)])
      let r = try h.request("/api/sessions/flaky/activities")
      #expect(r.status == 200 && r.text == #"{"activities":[]}"#)
      #expect(api.count("GET /sessions/flaky/activities") == 3)
    }
  }

  @Test func anUpstreamTimeoutIs408() throws {
    try withService(["JULES_API_TIMEOUT": "1"]) { h, api in
      api.script("GET /sessions/slow", [.init(status: 200, body: "{}", delay: 3)])
      let r = try h.request("/api/sessions/slow")
      #expect(r.status == 408 && Self.json(r) == ["error": "jules_timeout"])
    }
  }

  @Test func approveTakesThePeersStateAndKeepsTheOldPath() throws {
    try withService { h, api in
      api.script("POST /sessions/s1:approvePlan", [.init(status: 200, body: #"{"id":"s1"}"#)])
      #expect(try h.request("POST", "/api/sessions/s1/approve", body: Array(#"{"state":"approved"}"#.utf8)).status == 200)
      #expect(try h.request("POST", "/api/sessions/s1/approve-plan").status == 200)
      #expect(api.count("POST /sessions/s1:approvePlan") == 2)
      let rejected = try h.request("POST", "/api/sessions/s1/approve", body: Array(#"{"state":"rejected"}"#.utf8))
      #expect(rejected.status == 400 && Self.json(rejected)?["error"] == AnyHashable("invalid_request"))
      #expect(api.count("POST /sessions/s1:approvePlan") == 2, "nothing was sent for a state the API cannot take")
    }
  }
}
