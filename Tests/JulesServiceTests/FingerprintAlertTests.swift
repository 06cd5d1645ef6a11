import Foundation
import Testing
@testable import JulesService
import TestSupport

@Suite struct FingerprintAlertTests {
  @Test func floodSendsOneAlertPerWindow() throws {
    let receiver = try WebhookReceiver(secret: nil)
    defer { receiver.stop() }
    let h = try ServiceHarness([
      "AUTHORIZED_FINGERPRINTS": "device-a", "ALERT_WEBHOOK": receiver.url,
      "ALERT_WINDOW_SECONDS": "300",
    ])
    defer { h.stop() }
    for i in 0..<20 {
      let r = try h.request("/api/sessions", headers: [("X-Device-Fingerprint", "intruder-\(i)")])
      #expect(r.status == 403)
    }
    #expect(eventually(within: 10) { receiver.received.count >= 1 })
    // Drain: shutting down flushes the alert queue, so any second alert would have arrived by now.
    h.stop()
    #expect(receiver.received.count == 1)
    #expect(h.service.metrics.authFailures("fingerprint") == 20)
    let alert = try #require(receiver.received.first?.json)
    #expect(alert["kind"]?.stringValue == "device_fingerprint_mismatch")
    let text = String(decoding: receiver.received[0].body, as: UTF8.self)
    #expect(!text.contains("intruder") && !text.contains(ServiceHarness.token))
  }
}
