import Foundation
import ReconcileCore
import ReconcileDrivers
import ReconcileRuntime

/// The apply transaction (Runtime) wired to this workspace and terminal: the state directory as its store, the drivers
/// as its host, progress lines and warnings on the terminal, the summary line at the end. Shared by `reconcile apply`
/// and the controller.
struct ApplyPipeline {
  let ws: Workspace
  let args: Arguments
  let terminal: Terminal
  let command: String
  /// `apply --json`: the run's events on stdout (people's lines then go to stderr).
  var events: JSONEventPrinter? = nil
  /// Someone else following the steps as they run (the controller's page).
  var watcher: (any ExecutionObserver)? = nil

  /// `review` sees the plan and the state it was made from; it returns the plan to execute, or nil to stop.
  /// `form` is the caller's (`ws.form()`), so the key of the keyed hashes is read once per run.
  /// The transaction's result and how the release ended (checked, recorded, rolled back).
  struct Outcome {
    var result: ApplyTransaction.Result
    var release: ReleaseKeeper.Verdict
    var succeeded: Bool { result.succeeded && release.succeeded }
  }

  /// `restoring`: the generation a rollback applies (`manifest` is its, pinned); `rejected`: why it is rolled back to.
  func run(
    manifest: Manifest, form: RecordForm, triggers: [String] = [], restoring: Generation? = nil, rejected: Generation.Rejection? = nil,
    review: (Plan, StateSnapshot, Terminal) async throws -> Plan?
  ) async throws -> Outcome {
    let transaction = ApplyTransaction(
      store: ws.store, performer: ws.drivers, form: form, command: command, lockTimeout: try args.seconds("lock-timeout", default: 0),
      parallelism: try args.int("parallelism", default: manifest.release.parallelism ?? 4), by: Self.operator)
    // The revision a rollback applies, or the manifests' commit: `git rev-parse` runs beside the plan (it took 3–4 ms
    // of every apply before it).
    let pinned = restoring.map(\.revision), base = ManifestFiles.baseDirectory(of: ws.manifestPath)
    let revision = Task { () -> String? in
      if let pinned { return pinned }
      return ProcessRunner.gitRevision(of: base)
    }
    let request = ApplyTransaction.Request(manifest: manifest, triggers: triggers, revision: { await revision.value }, redactor: ws.secrets.redactor)
    let printer = ProgressPrinter(terminal: ws.redacting(terminal), live: terminal.stdoutIsTTY && events == nil)
    let ticker = Task { await printer.tick() }
    defer { ticker.cancel() }
    let progress = [events, watcher].compactMap { $0 }.reduce(printer as any ExecutionObserver) { ObserverPair(first: $0, second: $1) }
    let r = try await transaction.run(
      request, plan: { state in try await ws.plan(manifest, state: state, form: form, args: args) },
      review: { plan, state in
        // Secrets are known once the plan is made (interpolation looked them up): redact from here on.
        try await review(plan, state, ws.redacting(terminal))
      },
      progress: progress, notice: { [terminal] in terminal.warning(Self.text(of: $0)) })
    if r.applied { events?.summary(r.outcomes, seconds: r.seconds) }
    if r.applied, !r.plan.isEmpty {
      printer.terminal.out("\n" + ApplySummary(outcomes: r.outcomes, seconds: r.seconds, moved: r.plan.moves.count).text(style: terminal.style) + "\n")
      // The failures again on standard error, where scripts and cron mail look for them.
      for o in r.outcomes { if case .failed(let why) = o.status { printer.terminal.error("\(o.id): \(why)") } }
    }
    let keeper = ReleaseKeeper(ws: ws, terminal: printer.terminal)
    let verdict = try await keeper.finish(manifest, r, revision: await revision.value, command: command, restoring: restoring, rejected: rejected) {
      generation, rejection in
      let back = try keeper.manifest(of: generation)
      return try await run(manifest: back, form: form, triggers: ["rollback to generation \(generation.number)"], restoring: generation, rejected: rejection) {
        plan, _, out in
        out.out(PlanTextRenderer(style: terminal.style).render(plan) + "\n")
        return plan
      }.result
    }
    switch verdict {
    case .rolledBack(let to, let recorded, _):
      printer.terminal.out("\nThe apply failed; the host is back on generation \(to)\(recorded.map { " (recorded as generation \($0))" } ?? "").\n")
    case .rollbackFailed(let to, _):
      printer.terminal.error("the apply failed, and rolling back to generation \(to) failed too: see the errors above")
    case .kept, .failed: break
    }
    return Outcome(result: r, release: verdict)
  }

  static func text(of notice: ApplyTransaction.Notice) -> String {
    switch notice {
    case .interruptedRun(let holder):
      "the previous run (\(holder)) ended without releasing the state lock; it was probably killed. Recovering what it recorded."
    case .recovered(let n): "recovered \(n) completed step\(n == 1 ? "" : "s") from an interrupted apply into the state"
    case .journalFailed(let id, let why): "\(id): \(why); if this apply is interrupted, the next one re-observes this resource"
    }
  }

  /// The user behind `sudo` when there is one, and this host.
  static var `operator`: HistoryEntry.Operator {
    let env = ProcessInfo.processInfo.environment
    return HistoryEntry.Operator(user: env["SUDO_USER"] ?? env["USER"] ?? NSUserName(), host: ProcessInfo.processInfo.hostName)
  }
}
