import DockerEngine
import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile logs KIND/NAME [--tail N] [--follow]` and `reconcile restart container/NAME`: the daily questions without
/// the docker CLI. Only what the manifests declare, and only objects that carry its labels, are touched.
struct DayTwoCommand {
  let args: Arguments
  let terminal: Terminal
  let restart: Bool

  func run() async throws -> Int32 {
    let verb = restart ? "restart" : "logs"
    guard let given = args.positionals.first, let id = ResourceID(parsing: given) else {
      throw OperationError("usage: reconcile \(verb) KIND/NAME (like container/web\(restart ? "" : " or job/backup-notes"))")
    }
    let ws = try Workspace(args)
    guard let resource = try ws.manifest()[id] else { throw OperationError("\(id) is not declared in the manifests at '\(ws.manifestPath)'") }
    switch (id.kind, resource.spec) {
    case ("container", let spec as ContainerSpec):
      let client = try DockerEngineClient.fromEnvironment(ProcessInfo.processInfo.environment)
      let names = (1...spec.replicas).map(spec.replicaName)
      for name in names {
        guard let c = try await client.inspectContainerIfPresent(name), c.config.labels?[DockerLabel.resource] == id.description else {
          throw OperationError("\(id) has no container '\(name)' of its own on the engine (not applied yet, or removed)")
        }
        if restart {
          try await client.restartContainer(c.id, timeout: spec.effectiveStopTimeout)
          terminal.out("\(name): restarted\n")
        } else {
          if names.count > 1 { terminal.out("==> \(name) <==\n") }
          let out = terminal
          try await client.containerLogs(c.id, follow: args.has("follow"), tail: try tail()) { frame in
            let text = String(decoding: frame.payload, as: UTF8.self)
            if frame.stream == .stderr { FileHandle.standardError.write(Data(text.utf8)) } else { out.out(text) }
            return true
          }
        }
      }
    case ("job", _), ("backup", _):
      guard !restart else { throw OperationError("restart is for containers; run a job with 'reconcile run-job \(id.name)'") }
      let runs = RunRecords(path: JobPaths(binary: "", manifests: ws.manifestPath, state: ws.store.directory).runs(of: id.name)).load()
      guard !runs.isEmpty else {
        terminal.out("\(id) has not run yet.\n")
        return ExitCode.ok
      }
      let f = ISO8601DateFormatter()
      for r in runs.suffix(try tail() ?? runs.count) {
        terminal.out("\(f.string(from: r.start)) \(r.outcome.rawValue) in \(String(format: "%.2fs", r.end.timeIntervalSince(r.start)))\n")
        if !r.outputTail.isEmpty { terminal.out(r.outputTail.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }.joined(separator: "\n") + "\n") }
      }
    default:
      throw OperationError("\(verb) knows containers\(restart ? "" : ", jobs and backups"); \(id) is a \(id.kind)")
    }
    return ExitCode.ok
  }

  func tail() throws -> Int? {
    guard let text = args.value("tail") else { return nil }
    guard let n = Int(text), n >= 0 else { throw OperationError("--tail expects a number of lines, got '\(text)'") }
    return n
  }
}
