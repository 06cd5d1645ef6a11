import Foundation
import ReconcileCore

/// Deduplicates and rate-limits alerts: the same alert is sent once per `window`; at most `perMinute`
/// alerts leave per minute in all. Pure: the caller passes the time.
public struct AlertGate: Sendable {
  public var window: TimeInterval
  public var perMinute: Int
  private var lastSent: [String: Date] = [:]
  private var recent: [Date] = []
  public private(set) var suppressed = 0

  public init(window: TimeInterval = 600, perMinute: Int = 20) {
    self.window = window
    self.perMinute = perMinute
  }

  /// True when `alert` should be sent now; records it as sent.
  public mutating func admit(_ alert: Alert, now: Date) -> Bool {
    if let last = lastSent[alert.key], now.timeIntervalSince(last) < window {
      suppressed += 1
      return false
    }
    recent.removeAll { now.timeIntervalSince($0) >= 60 }
    guard recent.count < perMinute else {
      suppressed += 1
      return false
    }
    recent.append(now)
    lastSent[alert.key] = now
    return true
  }
}
