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
    let json = args.has("json")
    if json, saved == nil, !args.has("auto-approve") {
      throw OperationError("apply --json asks nothing: add --auto-approve (or apply a saved plan)")
    }
    let ws = try Workspace(args)
    let manifest = try ws.manifest()
    // With --json, stdout carries the events and everything for people goes to stderr.
    let people = json ? Terminal(copying: terminal, redactor: terminal.redactor, resultsToStderr: true) : terminal
    var pipeline = ApplyPipeline(ws: ws, args: args, terminal: people, command: "reconcile apply")
    if json { pipeline.events = JSONEventPrinter(terminal: ws.redacting(terminal)) }
    let events = pipeline.events
    var cancelled = false
    let outcome = try await pipeline.run(manifest: manifest, form: try ws.form()) { plan, state, out in
      if let saved {
        let fresh = PlanDocument(plan, manifestDigest: manifest.digest, state: state)
        var stale = saved.document.staleAddresses(against: fresh)
        let sameState = saved.document.state.serial == fresh.state.serial && (saved.document.state.lineage.isEmpty || saved.document.state.lineage == fresh.state.lineage)
        if !sameState { stale.insert("(the state: serial \(saved.document.state.serial) -> \(state.serial))", at: 0) }
        if saved.document.manifestDigest != manifest.digest { stale.insert("(the manifests changed since the plan was made)", at: 0) }
        guard stale.isEmpty else {
          throw OperationError(
            "the saved plan '\(args.positionals[0])' is stale: what it touches has changed since it was made:\n"
              + stale.map { "    \($0)" }.joined(separator: "\n") + "\n  run 'reconcile plan --out FILE' again and review the new plan")
        }
      }
      events?.plan(PlanDocument(plan, manifestDigest: manifest.digest, state: state))
      let chosen = try Self.review(plan, out: out, approved: saved != nil || args.has("auto-approve"), stdinIsTTY: terminal.stdinIsTTY)
      cancelled = chosen == nil
      return chosen
    }
    if cancelled { return ExitCode.failure }
    var alerts: [Alert] = []
    if let alert = outcome.release.alert {
      alerts.append(Alert(event: .applyRolledBack, subject: alert.subject, message: ws.secrets.redactor.redact(alert.message), time: Date()))
    }
    for o in outcome.result.outcomes where o.isVerdict {
      if case .failed(let why) = o.status {
        alerts.append(Alert(event: .rolloutRolledBack, subject: o.id.description, message: ws.secrets.redactor.redact(why), time: Date()))
      }
    }
    for alert in alerts {
      for failure in AlertSender().send(alert, to: manifest.alerts) { terminal.warning(failure) }
    }
    return outcome.succeeded ? ExitCode.ok : ExitCode.failure
  }

  /// Shows the plan and asks, unless `approved`: the plan to execute, or nil when the operator said no.
  static func review(_ plan: Plan, out: Terminal, approved: Bool, stdinIsTTY: Bool, verb: String = "apply") throws -> Plan? {
    out.out(PlanTextRenderer(style: out.style).render(plan))
    if plan.isEmpty { return plan }
    if !approved {
      guard stdinIsTTY else {
        throw OperationError("\(verb) needs confirmation, but standard input is not a terminal: review the plan and run again with --auto-approve")
      }
      guard out.confirm("\nDo you want to perform these actions?") else {
        out.out("\(verb.prefix(1).uppercased() + verb.dropFirst()) cancelled. Nothing was changed.\n")
        return nil
      }
    }
    out.out("\n")
    return plan
  }
}
