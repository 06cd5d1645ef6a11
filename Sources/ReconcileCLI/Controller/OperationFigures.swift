import Foundation
import ReconcileCore
import ReconcileDrivers
import ReconcileRuntime

/// What an operator alerts on, gathered after each controller run: each certificate's expiry (as observed), each
/// job's and backup's last success and failures in a row (their run records), and the rollouts under way (the state
/// directory's `rollouts/`).
struct OperationFigures: Sendable {
  struct JobFigure: Sendable {
    var kind: String
    var name: String
    var lastSuccess: Date?
    var failuresInARow: Int
  }

  struct RolloutFigure: Sendable {
    var resource: String
    /// Index of the step it is at, and whether that step waits for a person.
    var step: Int
    var paused: Bool
  }

  var certificates: [(name: String, notAfter: Int)] = []
  var jobs: [JobFigure] = []
  var rolloutsDirectory: String?

  static func gather(_ manifest: Manifest, observed: ObservedState, ws: Workspace) -> OperationFigures {
    var f = OperationFigures()
    f.rolloutsDirectory = ws.store.directory + "/rollouts"
    let paths = JobPaths(binary: "", manifests: ws.manifestPath, state: ws.store.directory)
    for r in manifest.resources {
      switch r.id.kind {
      case "certificate":
        if let after = observed[r.id].facts[.notAfter].flatMap(Int.init) { f.certificates.append((r.id.name, after)) }
      case "job", "backup":
        let runs = RunRecords(path: paths.runs(of: r.id.name)).load().filter { $0.outcome != .skipped }
        let failures = runs.reversed().prefix { $0.outcome != .success }.count
        f.jobs.append(JobFigure(kind: r.id.kind, name: r.id.name, lastSuccess: runs.last { $0.outcome == .success }?.end, failuresInARow: failures))
      default: break
      }
    }
    return f
  }

  /// The rollouts under way now (read at each scrape: a rollout runs inside a run, for minutes at times).
  static func rollouts(in directory: String) -> [RolloutFigure] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().compactMap { file in
      guard file.hasSuffix(".position") else { return nil }
      let name = String(file.dropLast(".position".count))
      guard let data = FileManager.default.contents(atPath: "\(directory)/\(file)"),
        let step = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["step"] as? Int
      else { return nil }
      return RolloutFigure(resource: "container/\(name)", step: step, paused: FileManager.default.fileExists(atPath: "\(directory)/\(name).paused"))
    }
  }

  /// The Prometheus lines.
  var metrics: [String] {
    let rollouts = rolloutsDirectory.map(Self.rollouts(in:)) ?? []
    let job = { (j: JobFigure) in "kind=\"\(j.kind)\",name=\"\(j.name)\"" }
    return Self.gauge(
      "reconcile_certificate_expiry_timestamp_seconds", "When each managed certificate expires (Unix time), as observed.",
      certificates.map { ("certificate=\"\($0.name)\"", $0.notAfter) })
      + Self.gauge(
        "reconcile_job_last_success_timestamp_seconds", "The end of each job's and backup's last successful run (0: never).",
        jobs.map { (job($0), $0.lastSuccess.map { Int($0.timeIntervalSince1970) } ?? 0) })
      + Self.gauge(
        "reconcile_job_consecutive_failures", "Failed (or timed out) runs in a row of each job and backup, the latest first.",
        jobs.map { (job($0), $0.failuresInARow) })
      + Self.gauge(
        "reconcile_rollout_step", "The step a canary or blue-green under way is at (index into its steps).",
        rollouts.map { ("resource=\"\($0.resource)\"", $0.step) })
      + Self.gauge(
        "reconcile_rollout_paused", "Whether a rollout under way waits at a pause for a person.", rollouts.map { ("resource=\"\($0.resource)\"", $0.paused ? 1 : 0) })
  }

  /// A gauge's `# HELP` and `# TYPE` lines, then one line per labelled value.
  static func gauge(_ name: String, _ help: String, _ rows: [(labels: String, value: Int)]) -> [String] {
    ["# HELP \(name) \(help)", "# TYPE \(name) gauge"] + rows.map { "\(name){\($0.labels)} \($0.value)" }
  }
}
