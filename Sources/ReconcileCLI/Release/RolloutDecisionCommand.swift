import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile promote NAME` and `reconcile abort NAME`: answers the canary of container NAME that waits at a pause in
/// an apply (or a controller) on this host.
struct RolloutDecisionCommand {
  let args: Arguments
  let terminal: Terminal
  let decision: RolloutGate.Decision

  func run() throws -> Int32 {
    guard let given = args.positionals.first else {
      throw OperationError("usage: reconcile \(decision.rawValue) NAME (the container whose canary waits at a pause)")
    }
    let name = given.hasPrefix("container/") ? String(given.dropFirst("container/".count)) : given
    let state = args.value("state") ?? "state"
    let waiting = try RolloutGate.decide(decision, name: name, in: state + "/rollouts")
    let what =
      decision == .promote
      ? "goes on from \(waiting.percent)%" : "sends every request back to the old container and removes the new one"
    terminal.out("container/\(name): \(decision == .promote ? "promoted" : "aborted"); the apply waiting at \(waiting.percent)% (pid \(waiting.pid)) \(what).\n")
    return ExitCode.ok
  }
}
