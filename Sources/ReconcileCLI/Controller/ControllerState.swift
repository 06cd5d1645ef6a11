import Foundation
import HTTPKit
import ReconcileCore
import ReconcileRuntime

/// What the controller knows about itself, shared by the loop and the HTTP endpoints.
final class ControllerState: @unchecked Sendable {
  struct RunRecord {
    var number: Int
    var time: Date
    var triggers: [String]
    var outcome: String
    var summary: String
    var seconds: Double
  }

  struct ResourceStatus {
    var sync: String
    var health: String
  }

  private let lock = NSLock()
  private(set) var ready = false
  private(set) var readyReason = "no reconciliation has run yet"
  private(set) var revision: String?
  private(set) var lastRun: RunRecord?
  private(set) var lastSuccess: Date?
  private(set) var resources: [ResourceID: ResourceStatus] = [:]
  private(set) var selfHeal = false
  private var runsByOutcomeTrigger: [String: Int] = [:]
  private var durations = Histogram(bounds: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60])
  /// Step durations by kind.
  private var stepDurations: [String: Histogram] = [:]
  static let stepBuckets: [Double] = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300]
  private(set) var operations = OperationFigures()
  /// What the page shows beyond `/status`.
  let feed = DashboardFeed()
  private(set) var alertsSent = 0
  private(set) var alertsSuppressed = 0
  var runCount: Int { lock.withLock { lastRun?.number ?? 0 } }

  func setReady(_ ok: Bool, _ reason: String) {
    lock.withLock {
      ready = ok; readyReason = reason
    }
  }
  func setRevision(_ r: String?) { lock.withLock { revision = r } }
  func setPolicy(selfHeal: Bool) { lock.withLock { self.selfHeal = selfHeal } }
  func setResources(_ r: [ResourceID: ResourceStatus]) { lock.withLock { resources = r } }
  func setOperations(_ f: OperationFigures) { lock.withLock { operations = f } }
  /// Known before the first run ends: a rollout under way is in `/metrics` while the run holds its step.
  func setRolloutsDirectory(_ d: String) { lock.withLock { operations.rolloutsDirectory = d } }

  func recordSteps(_ outcomes: [StepOutcome]) {
    lock.withLock {
      for o in outcomes {
        stepDurations[o.id.kind, default: Histogram(bounds: Self.stepBuckets)].observe(o.seconds)
      }
    }
  }

  func countAlert(sent: Bool) { lock.withLock { if sent { alertsSent += 1 } else { alertsSuppressed += 1 } } }

  func finishRun(triggers: [Trigger], outcome: String, summary: String, seconds: Double) {
    defer { feed.runEnded(drifted: lock.withLock { resources.values.filter { $0.sync != "in-sync" }.count }) }
    lock.withLock {
      let n = (lastRun?.number ?? 0) + 1
      lastRun = RunRecord(number: n, time: Date(), triggers: triggers.map(\.description), outcome: outcome, summary: summary, seconds: seconds)
      if outcome == "succeeded" { lastSuccess = Date() }
      for t in triggers { runsByOutcomeTrigger["\(outcome)|\(Self.kind(of: t))", default: 0] += 1 }
      durations.observe(seconds)
    }
  }

  static func kind(of t: Trigger) -> String {
    switch t {
    case .startup: "startup"
    case .resync: "resync"
    case .retry: "retry"
    case .manual: "manual"
    case .manifestsChanged: "manifests"
    case .fileChanged: "file"
    case .engineEvent: "engine-event"
    case .gitRevision: "git"
    case .engineReconnected: "engine-reconnected"
    case .recheck: "recheck"
    case .serverStopped: "server"
    }
  }

  /// The `/status` document.
  func statusJSON() -> [String: Any] {
    lock.withLock {
      var doc: [String: Any] = [
        "ready": ready, "readyReason": readyReason, "revision": revision as Any, "selfHeal": selfHeal,
        "resources": resources.keys.sorted().map { ["address": $0.description, "sync": resources[$0]!.sync, "health": resources[$0]!.health] },
      ]
      if let r = lastRun {
        doc["lastRun"] = [
          "number": r.number, "time": ISO8601DateFormatter().string(from: r.time), "triggers": r.triggers,
          "outcome": r.outcome, "summary": r.summary, "seconds": r.seconds,
        ]
      }
      if let s = lastSuccess { doc["lastSuccess"] = ISO8601DateFormatter().string(from: s) }
      return doc
    }
  }

  /// The `/metrics` text (Prometheus exposition format).
  func metricsText() -> String {
    lock.withLock {
      var out: [String] = []
      out.append("# HELP reconcile_runs_total Reconciliation runs by outcome and trigger.")
      out.append("# TYPE reconcile_runs_total counter")
      for (key, n) in runsByOutcomeTrigger.sorted(by: { $0.key < $1.key }) {
        let parts = key.split(separator: "|")
        out.append("reconcile_runs_total{outcome=\"\(parts[0])\",trigger=\"\(parts[1])\"} \(n)")
      }
      out.append("# HELP reconcile_run_duration_seconds Duration of reconciliation runs.")
      out.append("# TYPE reconcile_run_duration_seconds histogram")
      out += durations.lines("reconcile_run_duration_seconds")
      out.append("# HELP reconcile_drifted_resources Resources out of sync after the last run.")
      out.append("# TYPE reconcile_drifted_resources gauge")
      out.append("reconcile_drifted_resources \(resources.values.filter { $0.sync != "in-sync" }.count)")
      out.append("# HELP reconcile_last_success_timestamp_seconds Unix time of the last successful run.")
      out.append("# TYPE reconcile_last_success_timestamp_seconds gauge")
      out.append("reconcile_last_success_timestamp_seconds \(lastSuccess.map { Int($0.timeIntervalSince1970) } ?? 0)")
      out.append("# HELP reconcile_managed_resources Managed resources by kind.")
      out.append("# TYPE reconcile_managed_resources gauge")
      for (kind, n) in Dictionary(grouping: resources.keys, by: \.kind).mapValues(\.count).sorted(by: { $0.key < $1.key }) {
        out.append("reconcile_managed_resources{kind=\"\(kind)\"} \(n)")
      }
      out.append("# HELP reconcile_ready Whether the controller can observe and apply (1) or not (0).")
      out.append("# TYPE reconcile_ready gauge")
      out.append("reconcile_ready \(ready ? 1 : 0)")
      out.append("# HELP reconcile_alerts_total Alerts by fate.")
      out.append("# TYPE reconcile_alerts_total counter")
      out.append("reconcile_alerts_total{fate=\"sent\"} \(alertsSent)")
      out.append("reconcile_alerts_total{fate=\"suppressed\"} \(alertsSuppressed)")
      out.append("# HELP reconcile_step_duration_seconds Duration of applied steps by kind.")
      out.append("# TYPE reconcile_step_duration_seconds histogram")
      for (kind, h) in stepDurations.sorted(by: { $0.key < $1.key }) {
        out += h.lines("reconcile_step_duration_seconds", labels: "kind=\"\(kind)\"")
      }
      out += operations.metrics
      out.append("# HELP reconcile_build_info The running reconcile's version.")
      out.append("# TYPE reconcile_build_info gauge")
      out.append("reconcile_build_info{version=\"\(HelpText.version)\"} 1")
      return out.joined(separator: "\n") + "\n"
    }
  }
}
