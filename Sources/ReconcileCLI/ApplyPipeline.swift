import Foundation
import ReconcileCore
import ReconcileDrivers
import ReconcileRuntime

/// One locked apply: recover an interrupted run, observe, plan, let the caller review (and narrow) the plan,
/// execute it, record state and history. Shared by `reconcile apply` and the controller.
struct ApplyPipeline {
  let ws: Workspace
  let args: Arguments
  let terminal: Terminal
  let command: String

  struct Result {
    var manifest: Manifest
    var plan: Plan
    /// The plan as observed, before the review narrowed it.
    var proposed: Plan
    var outcomes: [StepOutcome]
    var state: StateSnapshot
    var observed: ObservedState
    var applied: Bool
  }

  /// `review` sees the plan and the state it was made from; it returns the plan to execute, or nil to stop.
  /// `form` is the caller's (`ws.form()`), so the key of the keyed hashes is read once per run.
  func run(manifest: Manifest, form: RecordForm, triggers: [String] = [], review: (Plan, StateSnapshot, Terminal) async throws -> Plan?) async throws -> Result {
    let lock = try StateLock(directory: ws.store.directory, command: command, timeout: try args.seconds("lock-timeout", default: 0))
    defer { lock.release() }
    var state = try ws.store.load()
    if let stale = lock.staleHolder {
      terminal.warning("the previous run (\(stale.summary)) ended without releasing the state lock; it was probably killed. Recovering what it recorded.")
    }
    let recovered = ws.store.recover(into: &state)
    if recovered > 0 {
      state = try ws.store.save(state)
      terminal.warning("recovered \(recovered) completed step\(recovered == 1 ? "" : "s") from an interrupted apply into the state")
    }
    let (proposed, observed) = try await ws.plan(manifest, state: state, form: form, args: args)
    let out = Terminal(copying: terminal, redactor: ws.secrets.redactor)
    guard let plan = try await review(proposed, state, out) else {
      return Result(manifest: manifest, plan: proposed, proposed: proposed, outcomes: [], state: state, observed: observed, applied: false)
    }
    if plan.isEmpty {
      let next = StateBuilder(form: form, manifest: manifest).build(from: state, plan: plan, outcomes: [], now: Date())
      if next.resources != state.resources { state = try ws.store.save(next) }
      return Result(manifest: manifest, plan: plan, proposed: proposed, outcomes: [], state: state, observed: observed, applied: true)
    }
    let started = Date()
    let printer = ProgressPrinter(terminal: out, live: terminal.stdoutIsTTY)
    let journal = JournalWriter(journal: try ws.store.openJournal(), form: form, manifest: manifest, printer: printer)
    let ticker = Task { await printer.tick() }
    let outcomes = await Executor(parallelism: try args.int("parallelism", default: 4)).run(plan, performer: ws.drivers, observer: journal)
    ticker.cancel()
    var next = StateBuilder(form: form, manifest: manifest).build(from: state, plan: plan, outcomes: outcomes, now: Date())
    let ok = outcomes.allSatisfy { $0.status == .succeeded }
    let revision = ProcessRunner.gitRevision(of: ManifestFiles.baseDirectory(of: ws.manifestPath))
    next.lastApply = ApplyStamp(time: started, manifestDigest: manifest.digest, revision: revision, outcome: ok ? "succeeded" : "failed")
    next = try ws.store.save(next)
    let seconds = Date().timeIntervalSince(started)
    var entry = HistoryEntry(
      started: started, seconds: seconds, manifestDigest: manifest.digest, revision: revision, serial: next.serial, outcomes: outcomes, redactor: out.redactor)
    entry.command = command
    entry.triggers = triggers
    try? ws.store.appendHistory(entry)
    out.out("\n" + ApplySummary(outcomes: outcomes, seconds: seconds).text(style: terminal.style) + "\n")
    return Result(manifest: manifest, plan: plan, proposed: proposed, outcomes: outcomes, state: next, observed: observed, applied: true)
  }
}
