import Foundation
import Testing

/// `reconcile alert test` against a loopback receiver standing in for each target type.
@Suite struct AlertCommandTests {
  @Test func aTestAlertReachesEveryTargetInItsOwnShape() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let secret = "alert-Secret-6120"
    let receiver = try WebhookReceiver(secret: secret)
    defer { receiver.stop() }
    try "ALERT_SECRET=\(secret)\nBOT_TOKEN=bot-Token-7712\n".write(toFile: "\(h.manifests)/.env", atomically: true, encoding: .utf8)
    try h.manifest(
      """
      { "apiVersion": "reconcile/v1", "resources": [],
        "alerts": [
          { "name": "ops", "type": "webhook", "url": "\(receiver.url)", "secret": "${secret.ALERT_SECRET}" },
          { "name": "chat", "type": "slack", "url": "\(receiver.url)/slack" },
          { "name": "phone", "type": "telegram", "url": "\(receiver.url)/bot${secret.BOT_TOKEN}/sendMessage", "chatId": "4242" } ] }
      """)
    let r = try h.run(["alert", "test"])
    #expect(r.status == 0, "\(r.all)")
    #expect(r.stdout == "ops (webhook): delivered\nchat (slack): delivered\nphone (telegram): delivered\n")
    let bodies = receiver.all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any] }
    #expect(bodies.count == 3)
    let webhook = try #require(bodies.first { $0["event"] != nil })
    #expect(webhook["event"] as? String == "test" && webhook["subject"] as? String == "reconcile")
    #expect(receiver.all.filter(\.signatureValid).count == 1)
    #expect(bodies.contains { ($0["text"] as? String)?.contains("test: reconcile: test alert") == true && $0["chat_id"] == nil })
    #expect(bodies.contains { $0["chat_id"] as? String == "4242" })
    #expect(!r.all.contains("bot-Token-7712") && !r.all.contains(secret))
  }

  @Test func anUnreachableTargetIsReportedWithoutItsURL() throws {
    let h = try CLIHarness(
      manifest: #"{ "apiVersion": "reconcile/v1", "resources": [], "alerts": [ { "name": "gone", "type": "slack", "url": "http://127.0.0.1:9/hooks/T0-secret-path" } ] }"#)
    defer { h.cleanup() }
    let r = try h.run(["alert", "test"])
    #expect(r.status == 1)
    #expect(r.stdout == "gone (slack): alert target 'gone' (slack) could not be reached\n")
    #expect(!r.all.contains("T0-secret-path"))
  }

  @Test func alertTargetsAreValidated() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(
      #"{ "apiVersion": "reconcile/v1", "resources": [], "alerts": [ { "name": "t", "type": "telegram", "url": "ftp://x", "evnts": [] }, { "name": "w", "type": "webhok", "url": "http://x", "events": ["apply-failed", "drift"] } ] }"#
    )
    let r = try h.run(["validate"])
    #expect(r.status == 1)
    for text in [
      "alerts[0]: unknown key 'evnts' (did you mean 'events'?)", "alerts[0]: url: expected an http:// or https:// URL",
      "alerts[0]: chatId: is required for a telegram target", "alerts[1]: type: expected one of 'webhook', 'slack', 'telegram', got 'webhok' (did you mean 'webhook'?)",
      "alerts[1]: events[1]: unknown event 'drift'",
    ] {
      #expect(r.stderr.contains(text), "missing: \(text)\n\(r.stderr)")
    }
  }
}
