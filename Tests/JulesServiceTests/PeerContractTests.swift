import Foundation
import JulesService
import Testing
import TestSupport

/// The peer's own test suite (Coldaine/JulesMCP `backend/src/__tests__/*.test.ts`), case by case, as black-box checks
/// against the real `jules` executable and a scripted stand-in for the Jules API (the public API cannot be reached
/// here). Each test is named `file: case` after the peer's. Where the peer tests an internal helper, the check is what
/// that helper does for a client or in the log. Deliberate differences, kept because ours is stricter: without an
/// allowlist only loopback is admitted (the peer admits everyone); `GET /api/sessions` is served from the mirror the
/// poller keeps (the peer forwards it), so the upstream's failures are checked on the routes that are forwarded.
@Suite struct PeerContractTests {
  static func json(_ r: HTTPClientResponse) -> [String: Any] { (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:] }

  /// A jules in front of a scripted Jules API, both stopped afterwards.
  func withJules(_ env: [String: String] = [:], _ body: (JulesProcess, ScriptedJulesAPI) throws -> Void) throws {
    let api = try ScriptedJulesAPI()
    defer { api.shutdown() }
    let jules = try JulesProcess(["JULES_API_BASE": api.base, "POLL_INTERVAL_SECONDS": "3600"].merging(env) { _, b in b })
    defer { jules.stop() }
    try body(jules, api)
  }

  static let session = #"{"id":"sess-1","title":"repo/a","state":"PLANNING","createTime":"2026-11-30T10:00:00Z"}"#

  // MARK: auth.test.ts

  @Test func authHttpRejectsMissingToken() throws {
    try withJules { j, _ throws in
      let r = try j.request("/api/sessions", token: nil)
      #expect(r.status == 401 && Self.json(r)["error"] as? String == "unauthorized")
    }
  }

  @Test func authHttpAcceptsValidToken() throws {
    try withJules { j, _ throws in
      let r = try j.request("/api/sessions")
      #expect(r.status == 200 && Self.json(r)["sessions"] is [Any], "\(r.text)")
    }
  }

  @Test func authWsRejectsInvalidProtocolToken() throws {
    try withJules { j, _ throws in
      #expect(try j.webSocket("bearer.invalid").head.hasPrefix("HTTP/1.1 401"))
    }
  }

  @Test func authWsAcceptsMatchingToken() throws {
    try withJules { j, _ throws in
      let head = try j.webSocket("bearer.\(JulesProcess.token)").head
      #expect(head.hasPrefix("HTTP/1.1 101"), "\(head)")
      // The protocol offered is chosen, as a browser and the `ws` client require.
      #expect(head.lowercased().contains("sec-websocket-protocol: bearer.\(JulesProcess.token)"), "\(head)")
    }
  }

  // MARK: julesClient.test.ts (doJson, through the routes that forward)

  @Test func doJsonRetriesOnTransientFailure() throws {
    try withJules { j, api throws in
      api.script("GET /sessions/sess-9", [.init(status: 500, body: #"{"error":"boom"}"#), .init(status: 200, body: #"{"id":"sess-9"}"#)])
      let r = try j.request("/api/sessions/sess-9")
      #expect(r.status == 200 && Self.json(r)["id"] as? String == "sess-9")
      #expect(api.count("GET /sessions/sess-9") == 2)
    }
  }

  @Test func doJsonThrowsOnTimeout() throws {
    try withJules(["JULES_API_TIMEOUT": "1"]) { j, api throws in
      api.script("GET /sessions/slow", [.init(status: 200, body: "{}", delay: 3)])
      let r = try j.request("/api/sessions/slow")
      #expect(r.status == 408 && Self.json(r)["error"] as? String == "jules_timeout")
    }
  }

  @Test func doJsonSurfacesNonRetryableErrors() throws {
    try withJules { j, api throws in
      api.script("GET /sessions/bad", [.init(status: 400, body: #"{"error":"bad"}"#)])
      let r = try j.request("/api/sessions/bad")
      #expect(r.status == 400 && Self.json(r)["error"] as? String == "jules_error")
      #expect(api.count("GET /sessions/bad") == 1, "a 400 is not retried")
    }
  }

  // MARK: logging.test.ts

  @Test func loggingRedactsSecretsWhenLoggingEvents() throws {
    try withJules { j, api throws in
      // An upstream that echoes the key it was sent, and a client that sends the token where it does not belong.
      api.script("GET /sessions/echo", [.init(status: 400, body: #"{"error":"bad key \#(JulesProcess.apiKey)"}"#)])
      let r = try j.request("/api/sessions/echo")
      _ = try j.request("/api/sessions?pageToken=\(JulesProcess.token)")
      #expect(!r.text.contains(JulesProcess.apiKey), "not passed on to the client: \(r.text)")
      #expect(eventually(within: 5) { !j.lines("jules api call failed").isEmpty })
      #expect(!j.log.contains(JulesProcess.apiKey) && !j.log.contains(JulesProcess.token) && j.log.contains("[redacted]"), "\(j.log)")
    }
  }

  @Test func loggingTruncatesErrorMessagesAndRedactsSecrets() throws {
    try withJules { j, api throws in
      api.script("GET /sessions/long", [.init(status: 400, body: String(repeating: "x", count: 400) + JulesProcess.apiKey)])
      _ = try j.request("/api/sessions/long")
      #expect(eventually(within: 5) { !j.lines("jules api call failed").isEmpty })
      let line = try #require(j.lines("jules api call failed").first)
      #expect(line["level"] as? Int == 40 && line["status"] as? Int == 400)
      let message = try #require((line["err"] as? [String: Any])?["message"] as? String)
      #expect(message.count == 303 && message.hasSuffix("..."), "\(message)")
      #expect(!j.log.contains(JulesProcess.apiKey))
    }
  }

  @Test func loggingPreservesProvidedRequestIds() throws {
    try withJules { j, _ throws in
      let r = try j.request("/healthz", token: nil, headers: [("X-Request-Id", "abc-123")])
      #expect(r.status == 200 && r.headers["x-request-id"] == "abc-123")
      #expect(eventually(within: 5) { j.lines("request completed").contains { ($0["req"] as? [String: Any])?["id"] as? String == "abc-123" } })
      let line = j.lines("request completed").first { ($0["req"] as? [String: Any])?["id"] as? String == "abc-123" } ?? [:]
      #expect((line["req"] as? [String: Any])?["method"] as? String == "GET" && (line["req"] as? [String: Any])?["url"] as? String == "/healthz")
      #expect((line["res"] as? [String: Any])?["statusCode"] as? Int == 200)
    }
  }

  @Test func loggingGeneratesARequestIdWhenOneIsNotSupplied() throws {
    try withJules { j, api throws in
      api.script("POST /sessions", [.init(status: 201, body: Self.session)])
      let r = try j.request("POST", "/api/sessions", body: #"{"prompt":"fix it","repo":"repo/a"}"#)
      #expect(r.status == 201)
      let id = try #require(r.headers["x-request-id"])
      #expect(!id.isEmpty)
      #expect(eventually(within: 5) { j.lines("request completed").contains { ($0["req"] as? [String: Any])?["id"] as? String == id } })
      let line = j.lines("request completed").first { ($0["req"] as? [String: Any])?["id"] as? String == id } ?? [:]
      #expect((line["req"] as? [String: Any])?["method"] as? String == "POST" && (line["req"] as? [String: Any])?["url"] as? String == "/api/sessions")
      #expect((line["res"] as? [String: Any])?["statusCode"] as? Int == 201)
    }
  }

  // MARK: persistence.test.ts

  @Test func persistenceWritesSessionsToDiskAndLoadsThemOnNextStart() throws {
    let dir = NSTemporaryDirectory() + "jules-peer-persist-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try withJules(["PERSIST": "1", "DATA_DIR": dir, "POLL_INTERVAL_SECONDS": "1"]) { j, api throws in
      api.script("GET /sessions", [.init(status: 200, body: #"{"sessions":[\#(Self.session)]}"#)])
      #expect(eventually(within: 10) { (try? j.request("/api/sessions"))?.text.contains("sess-1") == true })
    }
    // The next start, with the Jules API out of reach: the sessions come from the disk.
    let again = try JulesProcess(["PERSIST": "1", "DATA_DIR": dir])
    defer { again.stop() }
    let r = try again.request("/api/sessions")
    #expect(r.status == 200 && r.text.contains("\"id\":\"sess-1\""), "\(r.text)")
  }

  @Test func persistenceLogsAndSwallowsReadFailures() throws {
    let dir = NSTemporaryDirectory() + "jules-peer-corrupt-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try Data(repeating: 0x5a, count: 8192).write(to: URL(fileURLWithPath: dir + "/sessions.sqlite"))
    try withJules(["PERSIST": "1", "DATA_DIR": dir]) { j, _ throws in
      #expect(try j.request("/api/sessions").status == 200, "started in spite of the damaged file")
      #expect(j.log.contains("is damaged") && j.log.contains("moved to"), "\(j.log)")
      #expect(try FileManager.default.contentsOfDirectory(atPath: dir).contains { $0.hasPrefix("sessions.sqlite.corrupt-") })
    }
  }

  // MARK: routes.test.ts

  @Test func routesSupportCreateApproveMessageAndActivities() throws {
    try withJules(["POLL_INTERVAL_SECONDS": "1"]) { j, api throws in
      api.script("POST /sessions", [.init(status: 201, body: Self.session)])
      api.script("GET /sessions/sess-1/activities", [.init(status: 200, body: #"{"activities":[{"id":"act-1","description":"hi"}]}"#)])
      api.script("POST /sessions/sess-1:approvePlan", [.init(status: 200, body: #"{"id":"sess-1","state":"IN_PROGRESS"}"#)])
      api.script("POST /sessions/sess-1:sendMessage", [.init(status: 200, body: "{}")])
      #expect(try j.request("POST", "/api/sessions", body: #"{"repo":"repo/a","prompt":"fix it"}"#).status == 201)
      api.script("GET /sessions", [.init(status: 200, body: #"{"sessions":[\#(Self.session)]}"#)])
      #expect(eventually(within: 10) { ((try? j.request("/api/sessions")).map(Self.json)?["sessions"] as? [Any])?.count == 1 })
      #expect(Self.json(try j.request("/api/sessions/sess-1"))["id"] as? String == "sess-1")
      let approve = try j.request("POST", "/api/sessions/sess-1/approve", body: #"{"state":"approved"}"#)
      #expect(approve.status == 200 && Self.json(approve)["state"] as? String == "IN_PROGRESS")
      #expect(try j.request("POST", "/api/sessions/sess-1/message", body: #"{"message":"hello"}"#).status == 200)
      let activities = try j.request("/api/sessions/sess-1/activities")
      #expect((Self.json(activities)["activities"] as? [Any])?.count == 1)
    }
  }

  @Test func routesReturnValidationErrors() throws {
    try withJules { j, api throws in
      let r = try j.request("POST", "/api/sessions", body: #"{"repo":""}"#)
      #expect(r.status == 400 && Self.json(r)["error"] as? String == "invalid_request" && Self.json(r)["details"] != nil, "\(r.text)")
      #expect(api.count("POST /sessions") == 0, "nothing invalid reaches the Jules API")
    }
  }

  @Test func routesMapJulesTimeoutsTo408() throws {
    try withJules(["JULES_API_TIMEOUT": "1"]) { j, api throws in
      api.script("GET /sessions/sess-1/activities", [.init(status: 200, body: "{}", delay: 3)])
      let r = try j.request("/api/sessions/sess-1/activities")
      #expect(r.status == 408 && r.text == #"{"error":"jules_timeout"}"#)
    }
  }

  @Test func routesMapJulesRateLimitsTo429() throws {
    try withJules { j, api throws in
      api.script("GET /sessions/sess-1/activities", [.init(status: 429, body: "")])
      let r = try j.request("/api/sessions/sess-1/activities")
      #expect(r.status == 429 && r.text == #"{"error":"jules_rate_limited"}"#)
    }
  }

  @Test func routesMapJulesServerFailuresTo502() throws {
    try withJules { j, api throws in
      api.script("GET /sessions/sess-1", [.init(status: 503, body: "server_down")])
      let r = try j.request("/api/sessions/sess-1")
      #expect(r.status == 502 && r.text == #"{"error":"jules_unavailable","retry":true}"#)
    }
  }

  @Test func routesPassThroughOtherJulesErrorsWithDetail() throws {
    try withJules { j, api throws in
      api.script("GET /sessions/sess-unknown", [.init(status: 404, body: "not_found")])
      let r = try j.request("/api/sessions/sess-unknown")
      #expect(r.status == 404 && r.text == #"{"detail":"not_found","error":"jules_error"}"#)
    }
  }

  // MARK: security.test.ts

  @Test func ipAllowPermitsMatchingPrefixes() throws {
    try withJules(["ALLOWLIST": "10.0.0.,127.0.0."]) { j, _ throws in
      #expect(try j.request("/api/sessions").status == 200)
    }
  }

  @Test func ipAllowRejectsMissingPrefixes() throws {
    try withJules(["ALLOWLIST": "172.16."]) { j, _ throws in
      let r = try j.request("/api/sessions")
      #expect(r.status == 403 && Self.json(r)["error"] as? String == "forbidden")
    }
  }

  /// The peer admits everyone without an allowlist; ours admits loopback only (any 127/8 address).
  @Test func ipAllowWithoutAnAllowlistAdmitsLoopback() throws {
    try withJules { j, _ throws in
      #expect(try j.request("/api/sessions").status == 200)
      let other = try RawSocketClient(port: j.port, from: "127.0.0.2")
      other.write("GET /api/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(JulesProcess.token)\r\nConnection: close\r\n\r\n")
      #expect(other.read { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") } && other.text.hasPrefix("HTTP/1.1 200"))
    }
  }

  /// An address the allowlist cannot judge (a trusted proxy forwarding none that parses) is refused.
  @Test func isIpAllowedRejectsEmptyAddressesWhenAllowlistSet() throws {
    try withJules(["ALLOWLIST": "127.0.0.0/8", "TRUSTED_PROXIES": "127.0.0.1/32"]) { j, _ throws in
      #expect(try j.request("/api/sessions", headers: [("X-Forwarded-For", "127.0.0.5")]).status == 200)
      #expect(try j.request("/api/sessions", headers: [("X-Forwarded-For", "10.9.9.9")]).status == 403)
      #expect(try j.request("/api/sessions", headers: [("X-Forwarded-For", "unknown")]).status == 403)
    }
  }

  /// Listening on `::`, an IPv4 client arrives as `::ffff:127.0.0.1` and the IPv4 allowlist admits it.
  @Test func isIpAllowedNormalisesIPv6MappedAddresses() throws {
    try withJules(["HOST": "::", "ALLOWLIST": "127.0.0."]) { j, _ throws in
      #expect(try j.request("/api/sessions").status == 200)
      #expect(eventually(within: 5) { j.lines("request completed").contains { $0["client"] as? String == "127.0.0.1" } }, "\(j.log)")
    }
  }

  @Test func rateLimitBlocksOnceTheLimitIsExceeded() throws {
    try withJules(["RATE_LIMIT": "2/m"]) { j, _ throws in
      #expect(try j.request("/api/sessions").status == 200)
      #expect(try j.request("/api/sessions").status == 200)
      let third = try j.request("/api/sessions")
      #expect(third.status == 429 && Self.json(third)["error"] as? String == "rate_limited" && third.headers["retry-after"] != nil)
    }
  }

  @Test func rateLimitAllowsRequestsAgainAfterTheWindowElapses() throws {
    try withJules(["RATE_LIMIT": "1/s"]) { j, _ throws in
      #expect(try j.request("/api/sessions").status == 200)
      #expect(try j.request("/api/sessions").status == 429)
      Thread.sleep(forTimeInterval: 1.2)
      #expect(try j.request("/api/sessions").status == 200)
    }
  }

  /// The peer resets its limiter in-process; a restarted jules starts with every address's allowance whole.
  @Test func rateLimitCanBeReset() throws {
    try withJules(["RATE_LIMIT": "1/m"]) { j, _ throws in
      #expect(try j.request("/api/sessions").status == 200)
      #expect(try j.request("/api/sessions").status == 429)
    }
    try withJules(["RATE_LIMIT": "1/m"]) { j, _ throws in
      #expect(try j.request("/api/sessions").status == 200)
    }
  }

  // MARK: ws.test.ts

  @Test func websocketEmitsSessionUpdatesAndHeartbeats() throws {
    try withJules(["POLL_INTERVAL_SECONDS": "1", "WS_HEARTBEAT_SECONDS": "1"]) { j, api throws in
      let (head, ws) = try j.webSocket("bearer.\(JulesProcess.token)")
      #expect(head.hasPrefix("HTTP/1.1 101"))
      api.script("GET /sessions", [.init(status: 200, body: #"{"sessions":[\#(Self.session)]}"#)])
      let created = ws.nextTextFrame { $0.contains("\"type\":\"session_update\"") && $0.contains("sess-1") }
      #expect(created?.contains("\"change\":\"created\"") == true && created?.contains("\"id\":\"sess-1\"") == true, "\(created ?? "none")")
      api.script("GET /sessions", [.init(status: 200, body: #"{"sessions":[\#(Self.session.replacingOccurrences(of: "PLANNING", with: "COMPLETED"))]}"#)])
      let updated = ws.nextTextFrame { $0.contains("\"change\":\"updated\"") }
      #expect(updated?.contains("COMPLETED") == true, "\(updated ?? "none")")
      // A server ping within the heartbeat.
      var pinged = false
      _ = ws.read(timeout: 5) { buf in
        var b = buf
        while let f = WebSocketFrame.decode(b) {
          b.removeFirst(f.consumed)
          if f.opcode == WebSocketFrame.Opcode.ping.rawValue { pinged = true }
        }
        return pinged
      }
      #expect(pinged)
    }
  }

  @Test func websocketRejectsDisallowedAddresses() throws {
    try withJules(["ALLOWLIST": "10.0."]) { j, _ throws in
      #expect(try j.webSocket("bearer.\(JulesProcess.token)").head.hasPrefix("HTTP/1.1 403"))
    }
  }

  @Test func websocketRateLimitsRepeatedUpgrades() throws {
    try withJules(["RATE_LIMIT": "3/m"]) { j, _ throws in
      var heads: [String] = []
      for _ in 0..<4 { heads.append(try j.webSocket("bearer.\(JulesProcess.token)").head) }
      #expect(heads.prefix(3).allSatisfy { $0.hasPrefix("HTTP/1.1 101") } && heads[3].hasPrefix("HTTP/1.1 429"), "\(heads)")
    }
  }

  @Test func websocketRejectsConnectionsWithoutBearerCredentials() throws {
    try withJules { j, _ throws in
      #expect(try j.webSocket(nil).head.hasPrefix("HTTP/1.1 401"))
    }
  }
}
