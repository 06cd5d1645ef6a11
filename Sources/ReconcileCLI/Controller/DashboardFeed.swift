import Foundation
import HTTPKit
import ReconcileCore
import ReconcileDrivers
import ReconcileRuntime

/// What the controller's page shows beyond `/status`: the dependency edges, drift over time (drifted resources after
/// each run), the alert log, the runs of `history.jsonl`, the steps under way with what they said so far (a canary's
/// figures at each step), and a stream that says when any of it changed.
final class DashboardFeed: ExecutionObserver, @unchecked Sendable {
  private let lock = NSLock()
  private var edges: [String: [String]] = [:]
  private var drift: [(time: Date, drifted: Int)] = []
  private var alerts: [Alert] = []
  private var store: JSONStateStore?
  /// Bumped when a run ends or a step under way says something; each event stream waits for it to move.
  private var generation = 0
  private var waiters: [@Sendable () -> Void] = []
  /// The steps running now, with their notes.
  private var running: [(address: String, action: String, notes: [String])] = []

  func started(_ step: Step) {
    changed { $0.running.append((step.id.description, step.action.rawValue, [])) }
  }

  func finished(_ step: Step, _ outcome: StepOutcome) {
    changed { $0.running.removeAll { $0.address == step.id.description } }
  }

  func noted(_ step: Step, _ note: StepNote) {
    changed { feed in
      if let i = feed.running.firstIndex(where: { $0.address == step.id.description }) { feed.running[i].notes.append(note.text) }
    }
  }

  private func changed(_ edit: (DashboardFeed) -> Void) {
    let wake = lock.withLock {
      edit(self)
      return bump()
    }
    wake.forEach { $0() }
  }

  /// One more change: the streams waiting for it, to wake once the lock is let go.
  private func bump() -> [@Sendable () -> Void] {
    generation += 1
    defer { waiters = [] }
    return waiters
  }

  func setGraph(_ manifest: Manifest, store: JSONStateStore) {
    lock.withLock {
      edges = Dictionary(manifest.resources.map { ($0.id.description, $0.dependsOn.map(\.description)) }) { a, _ in a }
      self.store = store
    }
  }

  func recordAlert(_ alert: Alert) {
    lock.withLock {
      alerts.append(alert)
      if alerts.count > 50 { alerts.removeFirst(alerts.count - 50) }
    }
  }

  /// After each run: the drifted count joins the series, and every event stream hears of it.
  func runEnded(drifted: Int) {
    let wake = lock.withLock {
      drift.append((Date(), drifted))
      if drift.count > 200 { drift.removeFirst(drift.count - 200) }
      return bump()
    }
    wake.forEach { $0() }
  }

  /// `/api/overview`: the resources with their sync and health (from `/status`), edges, recent runs with step
  /// durations, drift over time, rollouts under way, the alert log. Messages are already redacted.
  func overview(status: [String: Any], rolloutsDirectory: String?) -> [String: Any] {
    let f = ISO8601DateFormatter()
    let (edges, drift, alerts, store, running) = lock.withLock { (self.edges, self.drift, self.alerts, self.store, self.running) }
    let runs = store?.history().suffix(20) ?? []
    let resources = (status["resources"] as? [[String: Any]] ?? []).map { r -> [String: Any] in
      var r = r
      r["dependsOn"] = edges[r["address"] as? String ?? ""] ?? []
      return r
    }
    return [
      "ready": status["ready"] ?? false, "revision": status["revision"] ?? NSNull(), "resources": resources,
      "runs": runs.reversed().map { e -> [String: Any] in
        [
          "time": f.string(from: e.time), "command": e.command, "triggers": e.triggers, "seconds": e.seconds,
          "steps": e.steps.map { ["address": $0.address, "action": $0.action, "outcome": $0.outcome, "seconds": $0.seconds, "notes": $0.notes ?? []] },
        ]
      },
      "drift": drift.map { ["time": f.string(from: $0.time), "drifted": $0.drifted] },
      "rollouts": (rolloutsDirectory.map(OperationFigures.rollouts(in:)) ?? []).map { ["resource": $0.resource, "step": $0.step, "paused": $0.paused] },
      "running": running.map { ["address": $0.address, "action": $0.action, "notes": $0.notes] },
      "alerts": alerts.reversed().map { ["time": f.string(from: $0.time), "event": $0.event.rawValue, "subject": $0.subject, "message": $0.message] },
    ]
  }

  /// The count of changes when it is past `seen`; else nil, and `wake` is called at the next change.
  func runs(after seen: Int, wake: @escaping @Sendable () -> Void) -> Int? {
    lock.withLock {
      if generation != seen { return generation }
      waiters.append(wake)
      return nil
    }
  }

  var runs: Int { lock.withLock { generation } }

  /// `GET /api/events`: `event: update` when a run ended or a step under way said something, a comment every 15 s to keep proxies from closing it.
  final class Events: ResponseStream, @unchecked Sendable {
    let feed: DashboardFeed
    var seen: Int
    var open = true
    var lastSent = systemMonotonicSeconds()

    init(_ feed: DashboardFeed) {
      self.feed = feed
      seen = feed.runs
    }

    func next(wake: @escaping @Sendable () -> Void) -> StreamStep {
      guard open else { return .end }
      let now = systemMonotonicSeconds()
      guard let runs = feed.runs(after: seen, wake: wake) else {
        if now - lastSent < 15 { return .later }
        lastSent = now
        return .chunk(Array(": keep-alive\n\n".utf8))
      }
      seen = runs
      lastSent = now
      return .chunk(Array("event: update\ndata: {\"updates\":\(runs)}\n\n".utf8))
    }

    func finished() { open = false }
  }
}
