import Foundation
import Testing
@testable import JulesService
import Essentials

@Suite struct AlertNotifierTests {
  /// One alert per kind per window; the next window sends again and reports how many were suppressed.
  @Test func windowPerKind() throws {
    let receiver = try WebhookReceiver(secret: nil)
    defer { receiver.stop() }
    let queue = WebhookDeliveryQueue(label: "alert", url: receiver.url, secret: nil, logger: CapturedLog().logger)
    queue.start()
    let now = Locked(1000.0)
    let alerts = AlertNotifier(delivery: queue, windowSeconds: 60, clock: { now.current })
    #expect(alerts.alert(kind: "a", message: "first"))
    #expect(!alerts.alert(kind: "a", message: "again"))
    #expect(!alerts.alert(kind: "a", message: "again"))
    #expect(alerts.alert(kind: "b", message: "other kind"))
    now.withLock { $0 += 61 }
    #expect(alerts.alert(kind: "a", message: "next window"))
    queue.stop(grace: 5)
    #expect(receiver.received.count == 3)
    let last = try #require(receiver.received.last?.json)
    #expect(last["message"]?.stringValue == "next window")
    #expect(last["suppressedSinceLast"] == .number(2))
  }
}
