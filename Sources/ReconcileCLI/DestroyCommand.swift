import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile destroy`: removes everything the state records as managed, planned and confirmed like an apply of
/// manifests that declare nothing. Volumes stay unless `--prune-volumes` (their data would go with them); a backup's
/// schedule goes, its archives stay. The history records it like any run.
struct DestroyCommand {
  let args: Arguments
  let terminal: Terminal

  func run() async throws -> Int32 {
    let ws = try Workspace(args)
    // The project and the alert targets of the manifests when they read; otherwise the state's own project.
    let declared = try? ws.manifest()
    let nothing = Manifest(resources: [], digest: "destroy", files: [], alerts: declared?.alerts ?? [], project: declared?.project)
    let pipeline = ApplyPipeline(ws: ws, args: args, terminal: terminal, command: "reconcile destroy")
    var cancelled = false
    let outcome = try await pipeline.run(manifest: nothing, form: try ws.form()) { plan, _, out in
      var plan = plan
      for i in plan.steps.indices where plan.steps[i].action == .destroy { plan.steps[i].why = [.destroyRequested] }
      let chosen = try ApplyCommand.review(plan, out: out, approved: args.has("auto-approve"), stdinIsTTY: terminal.stdinIsTTY, verb: "destroy")
      cancelled = chosen == nil
      return chosen
    }
    if cancelled { return ExitCode.failure }
    return outcome.succeeded ? ExitCode.ok : ExitCode.failure
  }
}
