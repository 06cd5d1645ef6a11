import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile rollback [N]`: plans and applies generation N (default: the one before the latest) with its images
/// pinned by ID, shown and confirmed like any apply. The result is recorded as a new generation that restores N.
struct RollbackCommand {
  let args: Arguments
  let terminal: Terminal

  func run() async throws -> Int32 {
    let ws = try Workspace(args)
    let keeper = ReleaseKeeper(ws: ws, terminal: terminal)
    let kept = try keeper.generations.list()
    guard let latest = kept.last else {
      throw OperationError(doing: "roll back", "no generation is recorded yet in '\(keeper.generations.directory)': each successful apply records one")
    }
    let target: Generation
    if let raw = args.positionals.first {
      guard let n = Int(raw), n > 0 else { throw OperationError("rollback: expected a generation number, got '\(raw)'") }
      target = try keeper.generations.load(n)
    } else {
      guard let previous = kept.dropLast().last else {
        throw OperationError(doing: "roll back", "generation \(latest.number) is the only one kept; there is nothing before it")
      }
      target = previous
    }
    terminal.out("Rolling back to generation \(target.number): \(GenerationsCommand.describe(target))\n\n")
    let manifest = try keeper.manifest(of: target)
    let pipeline = ApplyPipeline(ws: ws, args: args, terminal: terminal, command: "reconcile rollback")
    var cancelled = false
    let outcome = try await pipeline.run(manifest: manifest, form: try ws.form(), triggers: ["rollback to generation \(target.number)"], restoring: target) {
      plan, _, out in
      let chosen = try ApplyCommand.review(plan, out: out, approved: args.has("auto-approve"), stdinIsTTY: terminal.stdinIsTTY, verb: "rollback")
      cancelled = chosen == nil
      return chosen
    }
    if cancelled { return ExitCode.failure }
    return outcome.succeeded ? ExitCode.ok : ExitCode.failure
  }
}
