import Foundation
import Essentials

/// Sends security and sync alerts to `ALERT_WEBHOOK`, at most one per kind per window so a
/// flood of bad requests produces few alerts. Payloads carry no secrets.
public final class AlertNotifier: Sendable {
  let delivery: WebhookDeliveryQueue?
  let window: Double
  let clock: MonotonicClock
  private let lastSent = Locked([String: Double]())
  private let suppressed = Locked([String: Int]())

  public init(delivery: WebhookDeliveryQueue?, windowSeconds: Double, clock: @escaping MonotonicClock = systemMonotonicSeconds) {
    self.delivery = delivery
    self.window = windowSeconds
    self.clock = clock
  }

  /// Queues an alert unless one of the same `kind` went out within the window; returns whether it was queued.
  @discardableResult
  public func alert(kind: String, message: String, details: [String: String] = [:]) -> Bool {
    let now = clock()
    let send = lastSent.withLock { last -> Bool in
      if let t = last[kind], now - t < window { return false }
      last[kind] = now
      return true
    }
    guard send else {
      suppressed.withLock { $0[kind, default: 0] += 1 }
      return false
    }
    let skipped = suppressed.withLock { s -> Int in
      defer { s[kind] = 0 }; return s[kind] ?? 0
    }
    var obj: [String: Any] = [
      "kind": kind, "message": message, "time": JSONLogger.timestamp(),
      "service": "jules", "suppressedSinceLast": skipped,
    ]
    if !details.isEmpty { obj["details"] = details }
    let body = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])) ?? Data()
    delivery?.enqueue(Array(body))
    return true
  }
}
