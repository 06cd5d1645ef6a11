/// Counts consecutive failures per resource; after `threshold` the resource is degraded: left out of
/// applies (not hammered) until its desired fingerprint changes or it succeeds. A failure that was a verdict on the
/// desired state (a canary rolled back on its figures) degrades it at once: trying again would only repeat it.
public struct FailureTracker: Sendable {
  public var threshold: Int
  private var streaks: [ResourceID: (count: Int, fingerprint: String)] = [:]

  public init(threshold: Int = 3) {
    self.threshold = threshold
  }

  /// Records one outcome; returns true when this failure just made the resource degraded.
  public mutating func record(_ id: ResourceID, failed: Bool, verdict: Bool = false, fingerprint: String) -> Bool {
    guard failed else {
      streaks[id] = nil
      return false
    }
    let prior = streaks[id].flatMap { $0.fingerprint == fingerprint ? $0.count : nil } ?? 0
    if prior >= threshold { return false }
    let count = verdict ? threshold : prior + 1
    streaks[id] = (count, fingerprint)
    return count == threshold
  }

  /// Degraded resources whose desired fingerprint is still the one that kept failing.
  public func degraded(current fingerprint: (ResourceID) -> String?) -> Set<ResourceID> {
    Set(streaks.filter { $0.value.count >= threshold && fingerprint($0.key) == $0.value.fingerprint }.keys)
  }

  public func failures(of id: ResourceID) -> Int { streaks[id]?.count ?? 0 }
}

import ReconcileCore
