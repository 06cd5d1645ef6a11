import Foundation
import Testing
@testable import JulesService
import TestSupport

/// Poller → deltas → signed webhook, WebSocket and SSE, against the stand-in Jules API.
@Suite struct DeltaDeliveryTests {
  @Test func deltasReachWebhookWebSocketAndSSE() throws {
    let api = StandInJulesAPI(apiKey: ServiceHarness.apiKey)
    try api.start()
    defer { api.stop() }
    api.upsert(id: "existing", title: "first")
    let hook = try WebhookReceiver(secret: "hook-secret")
    defer { hook.stop() }
    let h = try ServiceHarness([
      "JULES_API_BASE": api.baseURL, "NOTIFY_WEBHOOK": hook.url, "NOTIFY_SECRET": "hook-secret",
      "POLL_INTERVAL_SECONDS": "1",
    ])
    defer { h.stop() }
    /// The change types of every delta the webhook received, in order (one delivery per poll, the peer's shape).
    func changes() -> [String] {
      hook.received.flatMap { d -> [String] in
        guard d.json?["type"]?.stringValue == "session_update", case .array(let items)? = d.json?["delta"] else { return ["not a batch"] }
        return items.map { $0["changeType"]?.stringValue ?? "" }
      }
    }
    #expect(eventually(within: 10) { hook.received.count == 1 })
    #expect(changes() == ["created"])

    let ws = try RawSocketClient(port: h.service.port)
    let head = ws.webSocketHandshake(protocolHeader: "bearer, \(ServiceHarness.token)")
    #expect(head?.hasPrefix("HTTP/1.1 101") == true, "\(head ?? "no answer")")
    #expect(head?.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == true)
    let sse = try RawSocketClient(port: h.service.port)
    sse.write("GET /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(ServiceHarness.token)\r\n\r\n")
    #expect(sse.read { String(decoding: $0, as: UTF8.self).contains(": connected") })
    #expect(eventually(within: 10) { h.service.hub.liveClients == 2 })

    // Create through the service: forwarded to the API, then seen by the poller.
    let created = try h.request("POST", "/api/sessions", body: Array(#"{"prompt":"fix the build","title":"build"}"#.utf8))
    #expect(created.status == 200)
    let id = try #require(try JSONDecoder().decode(JulesSession.self, from: Data(created.body)).id as String?)
    // One frame per poll in the peer's shape: {"type":"session_update","delta":[…]}.
    struct Batch: Decodable {
      var type: String
      var delta: [SessionDelta]
    }
    let frame = ws.nextTextFrame { $0.contains(id) }
    let batch = try #require(frame.flatMap { try? JSONDecoder().decode(Batch.self, from: Data($0.utf8)) }, "\(frame ?? "no frame")")
    #expect(batch.type == "session_update")
    let delta = try #require(batch.delta.first { $0.after?.id == id })
    #expect(delta.changeType == .created && delta.after?.title == "build" && delta.before == nil)
    #expect(sse.read { String(decoding: $0, as: UTF8.self).contains("\"id\":\"\(id)\"") })
    #expect(sse.text.contains("event: session\ndata: {"))

    api.upsert(id: id, title: "build", state: "COMPLETED")
    #expect(ws.nextTextFrame { $0.contains("\"changeType\":\"updated\"") && $0.contains(id) } != nil)
    api.delete(id: "existing")
    #expect(ws.nextTextFrame { $0.contains("\"changeType\":\"deleted\"") && $0.contains("existing") } != nil)

    #expect(eventually(within: 10) { changes().count == 4 })
    #expect(changes() == ["created", "created", "updated", "deleted"])
    #expect(hook.received.allSatisfy { $0.signatureValid })
    let metrics = try h.request("/metrics", token: nil).text
    #expect(metrics.contains("jules_webhook_delivered_total \(hook.received.count)") && metrics.contains("jules_sessions 1"))
    #expect(!h.log.text.contains("hook-secret"))
  }

  /// The peer's client offers `bearer.<token>` as its only protocol and wants it back.
  @Test func webSocketTakesThePeersBearerProtocol() throws {
    let h = try ServiceHarness([:])
    defer { h.stop() }
    let ws = try RawSocketClient(port: h.service.port)
    let head = ws.webSocketHandshake(protocolHeader: "bearer.\(ServiceHarness.token)")
    #expect(head?.hasPrefix("HTTP/1.1 101") == true, "\(head ?? "no answer")")
    #expect(head?.contains("Sec-WebSocket-Protocol: bearer.\(ServiceHarness.token)") == true, "\(head ?? "")")
    let wrong = try RawSocketClient(port: h.service.port)
    #expect(wrong.webSocketHandshake(protocolHeader: "bearer.not-the-token")?.hasPrefix("HTTP/1.1 401") == true)
  }

  /// The guide's NOTIFY_WEBHOOK alone: deltas are delivered unsigned (with a warning at start), and a created
  /// session's delta carries `"before": null`.
  @Test func aWebhookWithoutSecretIsDeliveredUnsignedWithBeforeNull() throws {
    let api = StandInJulesAPI(apiKey: ServiceHarness.apiKey)
    try api.start()
    defer { api.stop() }
    api.upsert(id: "fresh", title: "first")
    let hook = try WebhookReceiver(secret: nil)
    defer { hook.stop() }
    let h = try ServiceHarness(["JULES_API_BASE": api.baseURL, "NOTIFY_WEBHOOK": hook.url, "POLL_INTERVAL_SECONDS": "1"])
    defer { h.stop() }
    #expect(eventually(within: 10) { hook.received.count == 1 })
    let body = String(decoding: hook.received.first?.body ?? [], as: UTF8.self)
    #expect(body.hasPrefix(#"{"type":"session_update","delta":[{"#) && body.contains("\"before\":null") && body.contains("\"changeType\":\"created\""), "\(body)")
    #expect(h.log.text.contains("NOTIFY_WEBHOOK is set without NOTIFY_SECRET"))
  }

  @Test func webSocketWithoutTokenIsRefused() throws {
    let h = try ServiceHarness([:])
    defer { h.stop() }
    let ws = try RawSocketClient(port: h.service.port)
    let head = ws.webSocketHandshake(protocolHeader: "bearer, wrong")
    #expect(head?.hasPrefix("HTTP/1.1 401") == true)
  }

  @Test func webhookIsRetriedUntilAccepted() throws {
    let hook = try WebhookReceiver(secret: "s")
    defer { hook.stop() }
    hook.answer.withLock { $0 = 503 }
    let q = WebhookDeliveryQueue(label: "t", url: hook.url, secret: "s", maxAttempts: 10, baseBackoff: 0.05, logger: CapturedLog().logger)
    q.start()
    q.enqueue(Array(#"{"n":1}"#.utf8))
    #expect(eventually(within: 10) { q.currentStats.retried >= 2 })
    hook.answer.withLock { $0 = 200 }
    #expect(eventually(within: 10) { q.currentStats.delivered == 1 })
    #expect(hook.received.count == 1 && hook.received[0].signatureValid)
    q.stop(grace: 1)
  }

  @Test func sessionEndpointsMirrorTheAPI() throws {
    let api = StandInJulesAPI(apiKey: ServiceHarness.apiKey)
    try api.start()
    defer { api.stop() }
    for i in 0..<45 { api.upsert(id: "s\(i)", title: "t\(i)") }
    let h = try ServiceHarness(["JULES_API_BASE": api.baseURL])
    defer { h.stop() }
    #expect(eventually(within: 10) { h.service.store.count == 45 })  // the poller read all pages (pageSize 100 → 1 page; stand-in max 100)
    let page1 = try JSONDecoder().decode(SessionPage.self, from: Data(try h.request("/api/sessions?pageSize=20").body))
    #expect(page1.sessions?.count == 20 && page1.nextPageToken == "20")
    let page3 = try JSONDecoder().decode(SessionPage.self, from: Data(try h.request("/api/sessions?pageSize=20&pageToken=40").body))
    #expect(page3.sessions?.map(\.id) == ["s40", "s41", "s42", "s43", "s44"] && page3.nextPageToken == nil)
    #expect(try h.request("/api/sessions/s7").text.contains("\"title\":\"t7\""))
    #expect(try h.request("/api/sessions/nope").status == 404)
    #expect(try h.request("POST", "/api/sessions/s7/approve-plan").status == 200)
    #expect(try h.request("POST", "/api/sessions/s7/message", body: Array(#"{"prompt":"hello"}"#.utf8)).status == 200)
    #expect(try h.request("POST", "/api/sessions/s7/message", body: Array("{}".utf8)).status == 400)
    let acts = try h.request("/api/sessions/s7/activities")
    #expect(acts.status == 200 && acts.text.contains("hello"))
    #expect(eventually(within: 10) { h.service.store.session(id: "s7")?.state == "IN_PROGRESS" })
    #expect(try h.request("/readyz", token: nil).status == 200)
  }

  @Test func pollerFollowsNextPageToken() throws {
    let api = StandInJulesAPI(apiKey: ServiceHarness.apiKey)
    try api.start()
    defer { api.stop() }
    for i in 0..<250 { api.upsert(id: "p\(i)", title: "t\(i)") }
    let client = JulesAPIClient(base: api.baseURL, apiKey: ServiceHarness.apiKey)
    let all = try client.listAllSessions(pageSize: 100)
    #expect(all.count == 250 && all.last?.id == "p249")
    let wrongKey = JulesAPIClient(base: api.baseURL, apiKey: "wrong")
    #expect(throws: JulesError("could not list sessions: Jules API answered 401 on GET /sessions")) { try wrongKey.listAllSessions() }
  }
}

@Suite struct WebSocketProtocolTests {
  @Test func answersPingAndClose() throws {
    let h = try ServiceHarness([:])
    defer { h.stop() }
    let ws = try RawSocketClient(port: h.service.port)
    let head = ws.webSocketHandshake(protocolHeader: ServiceHarness.token)
    #expect(head?.hasPrefix("HTTP/1.1 101") == true)
    #expect(eventually(within: 10) { h.service.hub.liveClients == 1 })
    ws.write(WebSocketFrame.encode(.ping, Array("hi".utf8), mask: [9, 8, 7, 6]))
    #expect(ws.read { buf in WebSocketFrame.decode(buf).map { $0.opcode == 10 && $0.payload == Array("hi".utf8) } ?? false })
    ws.buffer = []
    ws.write(WebSocketFrame.encode(.close, [0x03, 0xe8], mask: [1, 2, 3, 4]))
    #expect(ws.read { buf in WebSocketFrame.decode(buf)?.opcode == 8 })
    #expect(eventually(within: 10) { h.service.hub.liveClients == 0 })
  }

  /// The peer's heartbeat: a ping every `WS_HEARTBEAT_SECONDS`; a client that answers stays, one that does not is
  /// dropped at the next beat.
  @Test func aClientThatDoesNotAnswerPingsIsDropped() throws {
    let h = try ServiceHarness(["WS_HEARTBEAT_SECONDS": "1"])
    defer { h.stop() }
    let silent = try RawSocketClient(port: h.service.port)
    #expect(silent.webSocketHandshake(protocolHeader: "bearer.\(ServiceHarness.token)")?.hasPrefix("HTTP/1.1 101") == true)
    let lively = try RawSocketClient(port: h.service.port)
    #expect(lively.webSocketHandshake(protocolHeader: "bearer.\(ServiceHarness.token)")?.hasPrefix("HTTP/1.1 101") == true)
    #expect(eventually(within: 10) { h.service.hub.liveClients == 2 })
    // The lively one answers each ping it gets for 3.5 s; the silent one never does.
    let until = systemMonotonicSeconds() + 3.5
    var pings = 0
    while systemMonotonicSeconds() < until {
      _ = lively.read(timeout: 0.2) { buf in WebSocketFrame.decode(buf) != nil }
      while let f = WebSocketFrame.decode(lively.buffer) {
        lively.buffer.removeFirst(f.consumed)
        if f.opcode == WebSocketFrame.Opcode.ping.rawValue {
          pings += 1
          lively.write(WebSocketFrame.encode(.pong, f.payload, mask: [1, 2, 3, 4]))
        }
      }
    }
    #expect(pings >= 2, "\(pings) pings in 3.5 s")
    _ = silent.read(timeout: 3) { _ in false }
    #expect(silent.closed, "the client that never answered is dropped")
    #expect(!lively.closed && h.service.hub.liveClients == 1)
  }

  /// Behind nginx (as the bundled site puts it), the event stream is passed on as it comes, not buffered: the stream
  /// opens at once and a change arrives within a poll.
  @Test func theEventStreamIsNotBufferedByAProxy() throws {
    let api = StandInJulesAPI(apiKey: ServiceHarness.apiKey)
    try api.start()
    defer { api.stop() }
    let h = try ServiceHarness(["JULES_API_BASE": api.baseURL, "POLL_INTERVAL_SECONDS": "1"])
    defer { h.stop() }
    let nginx = try NginxDAV(proxyTo: h.service.port)
    defer { nginx.stop() }
    // curl over TLS (where nginx's buffering showed: nothing arrived at all), for 4 s; a change comes meanwhile.
    let curl = Process()
    curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    curl.arguments = ["-skN", "--max-time", "4", "-H", "Authorization: Bearer \(ServiceHarness.token)", "https://127.0.0.1:\(nginx.tlsPort)/jules/api/events"]
    let out = Pipe()
    curl.standardOutput = out
    try curl.run()
    Thread.sleep(forTimeInterval: 0.5)
    api.upsert(id: "through-proxy", title: "seen")
    curl.waitUntilExit()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(text.hasPrefix(": connected") && text.contains("\"id\":\"through-proxy\""), "\(text)")
  }
}
