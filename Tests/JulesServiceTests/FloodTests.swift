import Foundation
import Testing
@testable import JulesService
import TestSupport

/// What one address can do to everyone else: hold connections (at most `MAX_CONNECTIONS_PER_IP`), guess tokens (10
/// failures a minute, then refused before its token is compared), and make the service call the Jules API through
/// `/readyz` (at most once a second). Real server, real sockets; other clients are other loopback addresses.
@Suite(.serialized) struct FloodTests {
  @Test func oneAddressHoldingConnectionsLeavesRoomForTheOthers() throws {
    let h = try ServiceHarness([:])
    defer { h.stop() }
    var flood: [RawSocketClient] = []
    for _ in 0..<600 {
      guard let c = try? RawSocketClient(port: h.service.port, from: "127.0.0.2") else { continue }
      c.write("GET /healthz HTTP/1.1\r\nHost: x\r\n")  // never finished: the connection stays busy
      flood.append(c)
    }
    // Those past the limit are closed by the server at once.
    let held = flood.filter { !$0.read(timeout: 0.05) { _ in false } && !$0.closed }
    #expect(held.count <= 64, "\(held.count) connections held by one address")
    let started = systemMonotonicSeconds()
    let other = try RawSocketClient(port: h.service.port, from: "127.0.0.3")
    other.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    #expect(other.read(timeout: 5) { String(decoding: $0, as: UTF8.self).contains("\"status\":\"ok\"") }, "\(other.text)")
    // The server's refusals are JSON lines like every other, throttled.
    let lines = h.log.lines.current
    #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] })
    #expect(lines.filter { $0.contains("\"http server\"") }.count <= 10, "\(lines.filter { $0.contains("http server") })")
    print(
      "flood: one address holds \(held.count) of 600 connections; /healthz from another answered in \(Int((systemMonotonicSeconds() - started) * 1000)) ms; \(lines.filter { $0.contains("http server") }.count) server lines: \(lines.first { $0.contains("http server") } ?? "")"
    )
    _ = flood
  }

  @Test func addressesThatMayNotCallAreRefusedAtAccept() throws {
    let policy = ClientAddressPolicy(allowlist: [CIDR("10.0.0.0/8")!], trustedProxies: [CIDR("172.17.0.1/32")!])
    #expect(policy.mayConnect(IPAddress("10.1.2.3")!) && policy.mayConnect(IPAddress("172.17.0.1")!) && policy.mayConnect(IPAddress("127.0.0.1")!))
    #expect(!policy.mayConnect(IPAddress("192.168.1.9")!) && !policy.mayConnect(IPAddress("2001:db8::1")!))
    // The server closes a refused peer's connection before reading a byte.
    var o = HTTPServer.Options()
    o.acceptPolicy = { $0 != IPAddress("127.0.0.3")! }
    let s = HTTPServer(options: o) { _ in HTTPResponse(status: 200, text: "ok") }
    try s.start()
    defer { s.shutdown(grace: 1) }
    let refused = try RawSocketClient(port: s.port, from: "127.0.0.3")
    refused.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    _ = refused.read(timeout: 5) { _ in false }
    #expect(refused.closed && refused.buffer.isEmpty)
    let admitted = try RawSocketClient(port: s.port, from: "127.0.0.4")
    admitted.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    #expect(admitted.read { String(decoding: $0, as: UTF8.self).hasSuffix("ok") })
  }

  @Test func anAddressThatKeepsGuessingIsRefusedBeforeItsTokenIsCompared() throws {
    let h = try ServiceHarness(["ALLOWLIST": "10.0.0.0/8", "TRUSTED_PROXIES": "127.0.0.1/32", "RATE_LIMIT": "0"])
    defer { h.stop() }
    let guesser = [("X-Forwarded-For", "10.0.0.66")]
    for i in 0..<10 {
      #expect(try h.request("/api/sessions", token: "guess-\(i)", headers: guesser).status == 401)
    }
    let refused = try h.request("/api/sessions", token: ServiceHarness.token, headers: guesser)
    #expect(refused.status == 429 && refused.text.contains("too many failed authentications"), "\(refused.text)")
    #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 >= 1)
    // Another address is not affected.
    #expect(try h.request("/api/sessions", headers: [("X-Forwarded-For", "10.0.0.7")]).status == 200)
    #expect(!h.log.text.contains("guess-"))
  }

  @Test func readinessAsksTheJulesAPIAtMostOnceASecond() throws {
    let api = try ScriptedJulesAPI()
    defer { api.shutdown() }
    let h = try ServiceHarness(["JULES_API_BASE": api.base, "POLL_INTERVAL_SECONDS": "3600"])
    defer { h.stop() }
    Thread.sleep(forTimeInterval: 0.3)
    let before = api.count("GET /sessions")
    let started = systemMonotonicSeconds()
    DispatchQueue.concurrentPerform(iterations: 100) { _ in
      #expect((try? h.request("/readyz", token: nil))?.status == 200)
    }
    let seconds = systemMonotonicSeconds() - started
    let calls = api.count("GET /sessions") - before
    #expect(calls >= 1 && Double(calls) <= seconds.rounded(.up) + 1, "\(calls) upstream calls for 100 readiness probes in \(seconds) s")
  }
}
