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
    let pipeline = ApplyPipeline(ws: ws, args: args, terminal: terminal, command: "reconcile apply")
    var cancelled = false
    let result = try await pipeline.run(manifest: manifest, form: try ws.form()) { plan, state, out in
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
      if plan.isEmpty { return plan }
      if saved == nil, !args.has("auto-approve") {
        guard terminal.stdinIsTTY else {
          throw OperationError("apply needs confirmation, but standard input is not a terminal: review the plan and run again with --auto-approve")
        }
        guard out.confirm("\nDo you want to perform these actions?") else {
          out.out("Apply cancelled. Nothing was changed.\n")
          cancelled = true
          return nil
        }
      }
      out.out("\n")
      return plan
    }
    if cancelled { return ExitCode.failure }
    return result.outcomes.allSatisfy({ $0.status == .succeeded }) ? ExitCode.ok : ExitCode.failure
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
  let journal: JSONStateStore.Journal
  let form: RecordForm
  let manifest: Manifest
  let printer: ProgressPrinter

  func started(_ step: Step) { printer.started(step) }

  func finished(_ step: Step, _ outcome: StepOutcome) {
    if outcome.status == .succeeded {
      let record = StateBuilder(form: form, manifest: manifest).record(after: outcome)
      do {
        try journal.append(JSONStateStore.JournalEntry(id: step.id, record: record))
      } catch {
        printer.terminal.warning("\(step.id): \(error); if this apply is interrupted, the next one re-observes this resource")
      }
    }
    printer.finished(step, outcome)
  }
}
