import Essentials
import Foundation
import Testing
@testable import JulesService
import TestSupport

/// The server's threading as the clients see it: connections cost no thread (more slow clients than the old
/// thread-per-connection server's 512 threads leave `/healthz` answering), requests that wait on the Jules API hold a
/// worker, never an event loop, and live clients are bounded, their slots free when they leave. Real server, real
/// sockets, a scripted Jules API.
@Suite(.serialized) struct EventLoopTests {
  @Test func slowClientsFromManyAddressesLeaveTheServiceAnswering() throws {
    let h = try ServiceHarness([:])
    defer { h.stop() }
    var slow: [RawSocketClient] = []
    for a in 0..<10 {
      for _ in 0..<64 {
        let c = try RawSocketClient(port: h.service.port, from: "127.0.1.\(a + 1)")
        c.write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")  // a header that never ends
        slow.append(c)
      }
    }
    let held = slow.filter { !$0.read(timeout: 0.01) { _ in false } && !$0.closed }
    #expect(held.count == 640, "\(held.count) of 640 slow connections held")
    let started = systemMonotonicSeconds()
    let other = try RawSocketClient(port: h.service.port, from: "127.0.2.1")
    other.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    #expect(other.read(timeout: 5) { String(decoding: $0, as: UTF8.self).contains("\"status\":\"ok\"") }, "\(other.text)")
    let ms = Int((systemMonotonicSeconds() - started) * 1000)
    #expect(ms < 1000, "/healthz took \(ms) ms beside 640 slow connections")
    print("640 slow connections from 10 addresses held; /healthz from another answered in \(ms) ms")
  }

  @Test func requestsWaitingOnTheJulesAPIHoldAWorkerNotTheLoop() throws {
    let api = try ScriptedJulesAPI()
    defer { api.shutdown() }
    api.script("GET /sessions/s1/activities", [.init(status: 200, body: #"{"activities":[]}"#, delay: 4)])
    let h = try ServiceHarness(["JULES_API_BASE": api.base, "RATE_LIMIT": "0"])
    defer { h.stop() }
    // Twice as many waiting requests as there are event loops, and more: each would hold a loop if it ran on one.
    let waiting = 16
    let results = Locked([Int]())
    let group = DispatchGroup()
    for _ in 0..<waiting {
      group.enter()
      Thread.detachNewThread {
        let status = (try? h.request("/api/sessions/s1/activities").status) ?? -1
        results.withLock { $0.append(status) }
        group.leave()
      }
    }
    // Every one of them is waiting on the Jules API (whose answers take 4 s) before the others are asked.
    let deadline = systemMonotonicSeconds() + 3
    while api.count("GET /sessions/s1/activities") < waiting && systemMonotonicSeconds() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    #expect(api.count("GET /sessions/s1/activities") == waiting, "calls that reached the Jules API: \(api.count("GET /sessions/s1/activities"))")
    var slowest = 0.0
    for _ in 0..<10 {
      let t = systemMonotonicSeconds()
      #expect(try h.request("/healthz", token: nil).status == 200)
      #expect(try h.request("/api/sessions").status == 200)
      slowest = max(slowest, systemMonotonicSeconds() - t)
    }
    #expect(results.current.isEmpty, "the waiting requests were answered before the others were measured")
    #expect(slowest < 0.5, "/healthz and the mirror took \(slowest) s while \(waiting) requests waited on the Jules API")
    #expect(group.wait(timeout: .now() + 15) == .success)
    let statuses = results.current
    #expect(statuses == Array(repeating: 200, count: waiting), "\(statuses)")
    print("\(waiting) requests waiting 4 s on the Jules API; /healthz + mirror read at most \(Int(slowest * 1000)) ms meanwhile")
  }

  @Test func liveClientsAreBoundedAndTheirSlotsFreeWhenTheyLeave() throws {
    let h = try ServiceHarness(["MAX_LIVE_CLIENTS": "2"])
    defer { h.stop() }
    func openStream() throws -> RawSocketClient {
      let c = try RawSocketClient(port: h.service.port)
      c.write("GET /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(ServiceHarness.token)\r\n\r\n")
      _ = c.read(timeout: 5) { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") }
      return c
    }
    let first = try openStream()
    let second = try openStream()
    #expect(first.text.hasPrefix("HTTP/1.1 200") && second.text.hasPrefix("HTTP/1.1 200"), "\(first.text) \(second.text)")
    let third = try openStream()
    #expect(third.text.hasPrefix("HTTP/1.1 503"), "\(third.text)")
    #expect(third.read(timeout: 2) { String(decoding: $0, as: UTF8.self).contains("too_many_live_clients") })
    // A WebSocket is a live client too.
    let ws = try RawSocketClient(port: h.service.port)
    #expect(ws.webSocketHandshake(protocolHeader: "bearer.\(ServiceHarness.token)")?.hasPrefix("HTTP/1.1 503") == true)
    // One leaves: its slot is free as soon as the server notices (the stream's next turn, at most a second).
    let left = systemMonotonicSeconds()
    // shutdown, not close: the client closes its descriptor when it goes (a second close could hit another test's).
    shutdown(first.fd, Int32(SHUT_RDWR))
    var fourth = try openStream()
    while !fourth.text.hasPrefix("HTTP/1.1 200") && systemMonotonicSeconds() - left < 5 {
      Thread.sleep(forTimeInterval: 0.1)
      fourth = try openStream()
    }
    let freed = systemMonotonicSeconds() - left
    #expect(fourth.text.hasPrefix("HTTP/1.1 200"), "\(fourth.text)")
    #expect(freed < 2.5, "the slot took \(freed) s to free")
    #expect(h.service.hub.eventStreamClients == 2)
    print("a live client's slot freed \(Int(freed * 1000)) ms after it left")
  }
}
