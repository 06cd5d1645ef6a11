import Foundation
import ReconcileCore
import ReconcileDrivers
import ReconcileRuntime

/// `reconcile apply [SAVED_PLAN]`: lock, observe, plan, confirm, execute, record. A saved plan is applied only
/// when a fresh plan decides exactly the same; otherwise it is refused as stale, listing what moved.
struct ApplyCommand {
  let args: Arguments
  let terminal: Terminal

  func run() async throws -> Int32 {
    var args = args
    let saved = try args.positionals.first.map(SavedPlan.read)
    if let saved {
      args.options["manifests"] = args.options["manifests"] ?? [saved.manifests]
      args.options["target"] = saved.targets
      args.options["exclude"] = saved.excludes
      if saved.pruneVolumes { args.flags.insert("prune-volumes") }
    }
    let ws = try Workspace(args)
    let manifest = try ws.manifest()
    let form = try ws.form()
    let lock = try StateLock(directory: ws.store.directory, command: "reconcile apply", timeout: try args.seconds("lock-timeout", default: 0))
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
    let (plan, _) = try await ws.plan(manifest, state: state, form: form, args: args)
    let out = Terminal(copying: terminal, redactor: ws.secrets.redactor)
    if let saved {
      let fresh = PlanDocument(plan, manifestDigest: manifest.digest, state: state)
      var stale = saved.document.staleAddresses(against: fresh)
      if saved.document.state != fresh.state { stale.insert("(the state: serial \(saved.document.state.serial) -> \(state.serial))", at: 0) }
      if saved.document.manifestDigest != manifest.digest { stale.insert("(the manifests changed since the plan was made)", at: 0) }
      guard stale.isEmpty else {
        throw OperationError(
          "the saved plan '\(args.positionals[0])' is stale: what it touches has changed since it was made:\n"
            + stale.map { "    \($0)" }.joined(separator: "\n") + "\n  run 'reconcile plan --out FILE' again and review the new plan")
      }
    }
    out.out(PlanTextRenderer(style: terminal.style).render(plan))
    if plan.isEmpty {
      let next = StateBuilder(form: form, manifest: manifest).build(from: state, plan: plan, outcomes: [], now: Date())
      if next.resources != state.resources { _ = try ws.store.save(next) }
      return ExitCode.ok
    }
    if saved == nil, !args.has("auto-approve") {
      guard terminal.stdinIsTTY else {
        throw OperationError("apply needs confirmation, but standard input is not a terminal: review the plan and run again with --auto-approve")
      }
      guard out.confirm("\nDo you want to perform these actions?") else {
        out.out("Apply cancelled. Nothing was changed.\n")
        return ExitCode.failure
      }
    }
    out.out("\n")
    let started = Date()
    let printer = ProgressPrinter(terminal: out, live: terminal.stdoutIsTTY)
    let journal = JournalWriter(store: ws.store, form: form, manifest: manifest, printer: printer)
    let ticker = Task { await printer.tick() }
    let outcomes = await Executor(parallelism: try args.int("parallelism", default: 4)).run(plan, performer: ws.drivers, observer: journal)
    ticker.cancel()
    var next = StateBuilder(form: form, manifest: manifest).build(from: state, plan: plan, outcomes: outcomes, now: Date())
    let failed = outcomes.filter { if case .failed = $0.status { true } else { false } }.count
    let revision = ProcessRunner.gitRevision(of: ManifestFiles.baseDirectory(of: ws.manifestPath))
    next.lastApply = ApplyStamp(time: started, manifestDigest: manifest.digest, revision: revision, outcome: failed == 0 ? "succeeded" : "failed")
    next = try ws.store.save(next)
    let seconds = Date().timeIntervalSince(started)
    try? ws.store.appendHistory(
      HistoryEntry(started: started, seconds: seconds, manifestDigest: manifest.digest, revision: revision, serial: next.serial, outcomes: outcomes, redactor: out.redactor))
    out.out("\n" + ApplySummary(outcomes: outcomes, seconds: seconds).text(style: terminal.style) + "\n")
    return failed == 0 && outcomes.allSatisfy({ $0.status == .succeeded }) ? ExitCode.ok : ExitCode.failure
  }
}

/// The state after an apply: successful steps recorded, destroyed and forgotten ones dropped, failures keep their old record.
struct StateBuilder {
  let form: RecordForm
  let manifest: Manifest

  func build(from state: StateSnapshot, plan: Plan, outcomes: [StepOutcome], now: Date) -> StateSnapshot {
    var next = state
    let planned = Set(plan.steps.map(\.id))
    for id in plan.unchanged where !planned.contains(id) {
      guard let r = manifest[id] else { continue }
      let fresh = form.record(for: r, at: now)
      if let old = state.resources[id], old.fingerprint == fresh.fingerprint, old.locator == fresh.locator {
        if old.dependsOn == fresh.dependsOn { continue }
      }
      next.resources[id] = fresh
    }
    for id in plan.forgotten { next.resources[id] = nil }
    for o in outcomes where o.status == .succeeded {
      next.resources[o.id] = record(after: o)
    }
    return next
  }

  func record(after o: StepOutcome) -> ResourceRecord? {
    guard o.action != .destroy, let r = manifest[o.id], !r.spec.wantsAbsent else { return nil }
    return form.record(for: r, at: Date())
  }
}

/// Journals each successful step as it completes, then forwards to the progress printer.
struct JournalWriter: ExecutionObserver {
  let store: JSONStateStore
  let form: RecordForm
  let manifest: Manifest
  let printer: ProgressPrinter

  func started(_ step: Step) { printer.started(step) }

  func finished(_ step: Step, _ outcome: StepOutcome) {
    if outcome.status == .succeeded {
      let record = StateBuilder(form: form, manifest: manifest).record(after: outcome)
      try? store.journal(JSONStateStore.JournalEntry(id: step.id, record: record))
    }
    printer.finished(step, outcome)
  }
}
