import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile run-job NAME`: the wrapper every scheduled run goes through; records the run in the state directory.
struct RunJobCommand {
  let args: Arguments
  let terminal: Terminal

  func run() throws -> Int32 {
    guard let name = args.positionals.first else { throw OperationError("run-job needs the job's name: reconcile run-job NAME") }
    let env = ProcessInfo.processInfo.environment
    let paths = JobPaths(binary: JobPaths.currentBinary(environment: env), manifests: args.value("manifests") ?? "manifests", state: args.value("state") ?? "state")
    let (record, status) = try JobRunner(paths: paths).run(name)
    let seconds = String(format: "%.2fs", record.end.timeIntervalSince(record.start))
    switch record.outcome {
    case .success: terminal.out("job '\(name)' succeeded in \(seconds)\n")
    case .skipped: terminal.error("job '\(name)': \(record.outputTail)")
    case .timeout: terminal.error("job '\(name)' timed out; output tail:\n\(record.outputTail)")
    case .failure: terminal.error("job '\(name)' exited with status \(status); output tail:\n\(record.outputTail)")
    }
    return status
  }
}
