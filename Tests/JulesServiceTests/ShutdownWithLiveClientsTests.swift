import Foundation
import Testing
@testable import JulesService
import TestSupport

@Suite struct ShutdownWithLiveClientsTests {
  /// Open WebSocket and SSE clients do not hold shutdown for the grace period: they are closed first.
  @Test func liveClientsAreClosedPromptly() throws {
    let h = try ServiceHarness([:])
    let ws = try RawSocketClient(port: h.service.port)
    #expect(ws.webSocketHandshake(protocolHeader: "bearer, \(ServiceHarness.token)")?.hasPrefix("HTTP/1.1 101") == true)
    let sse = try RawSocketClient(port: h.service.port)
    sse.write("GET /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(ServiceHarness.token)\r\n\r\n")
    #expect(sse.read { String(decoding: $0, as: UTF8.self).contains(": connected") })
    #expect(eventually(within: 10) { h.service.hub.liveClients == 2 })
    let start = systemMonotonicSeconds()
    h.service.shutdown(grace: 8)
    #expect(systemMonotonicSeconds() - start < 4)
    // The WebSocket client got a close frame (1001 going away).
    #expect(ws.read { buf in WebSocketFrame.decode(buf)?.opcode == 8 })
  }
}
