import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile alert test`: sends a test alert to every target declared in the manifests.
struct AlertCommand {
  let args: Arguments
  let terminal: Terminal

  func run() async throws -> Int32 {
    guard args.positionals == ["test"] else { throw OperationError("usage: reconcile alert test [options]") }
    let ws = try Workspace(args)
    let manifest = try ws.manifest()
    let out = ws.redacting(terminal)
    guard !manifest.alerts.isEmpty else {
      out.out("No alert targets are declared (add \"alerts\" to the manifests).\n")
      return ExitCode.failure
    }
    let alert = Alert(event: .test, subject: "reconcile", message: "test alert from 'reconcile alert test'", time: Date())
    let sender = AlertSender()
    var failed = 0
    for t in manifest.alerts {
      let errors = sender.send(alert, to: [t])
      if errors.isEmpty {
        out.out("\(t.name) (\(t.kind.rawValue)): delivered\n")
      } else {
        failed += 1
        for e in errors { out.out("\(t.name) (\(t.kind.rawValue)): \(e)\n") }
      }
    }
    return failed == 0 ? ExitCode.ok : ExitCode.failure
  }
}
