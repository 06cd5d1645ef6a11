import DockerEngine
import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile logs KIND/NAME [--tail N] [--since DUR] [--follow]` and `reconcile restart KIND/NAME`: the daily
/// questions without the docker CLI. Only what the manifests declare, and only objects that carry its labels, are
/// touched.
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
          try await client.containerLogs(c.id, follow: args.has("follow"), tail: try tail(), since: try since()) { frame in
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
      let from = try since() ?? .distantPast
      let recent = runs.filter { $0.start >= from }
      for r in recent.suffix(try tail() ?? recent.count) {
        terminal.out("\(f.string(from: r.start)) \(r.outcome.rawValue) in \(String(format: "%.2fs", r.end.timeIntervalSince(r.start)))\n")
        if !r.outputTail.isEmpty { terminal.out(r.outputTail.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }.joined(separator: "\n") + "\n") }
      }
    case ("site", let spec as SiteSpec):
      if restart {
        // A site's server reloads: new workers with the live configuration, the old ones finish their requests.
        try await ws.drivers.refresh(Refresh(spec: spec))
        terminal.out("\(spec.server.rawValue) at \(spec.prefix): reloaded\n")
      } else {
        try await siteLogs(spec)
      }
    case ("unit", let spec as UnitSpec):
      if restart {
        try UnitCommands.restart(spec)
        terminal.out("\(spec.unitName): restarted\n")
      } else {
        terminal.out(try UnitCommands.journal(spec, lines: try tail() ?? 100, since: try since()))
      }
    default:
      throw OperationError(
        "\(verb) knows \(restart ? "containers, sites (a reload of their server) and units" : "containers, sites, units, jobs and backups"); \(id) is a \(id.kind)")
    }
    return ExitCode.ok
  }

  /// The site's server's access and error logs (shared by the sites of that server), their last `--tail` lines
  /// (100), then what is written to them while `--follow`.
  func siteLogs(_ spec: SiteSpec) async throws {
    let files = ["access.log", "error.log"].map { "\(spec.prefix)/logs/\($0)" }.filter { FileManager.default.fileExists(atPath: $0) }
    guard !files.isEmpty else { throw OperationError("\(spec.server.rawValue) at \(spec.prefix) has written no log yet") }
    var offsets: [String: UInt64] = [:]
    for file in files {
      terminal.out("==> \(file) <==\n")
      let data = FileManager.default.contents(atPath: file) ?? Data()
      offsets[file] = UInt64(data.count)
      let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
      for line in lines.suffix(try tail() ?? 100) { terminal.out(line + "\n") }
    }
    guard args.has("follow") else { return }
    while !Task.isCancelled {
      for file in files {
        guard let h = FileHandle(forReadingAtPath: file) else { continue }
        let end = (try? h.seekToEnd()) ?? 0
        // Rotated (moved to .1 and started anew): read the new file from its start.
        if end < offsets[file] ?? 0 { offsets[file] = 0 }
        if end > offsets[file] ?? 0, (try? h.seek(toOffset: offsets[file] ?? 0)) != nil, let data = try? h.readToEnd() {
          offsets[file] = end
          terminal.out(String(decoding: data, as: UTF8.self))
        }
        try? h.close()
      }
      try? await Task.sleep(nanoseconds: 250_000_000)
    }
  }

  /// `--since 10m`: from that long ago.
  func since() throws -> Date? {
    guard let text = args.value("since") else { return nil }
    guard let seconds = FieldReader.parseDuration(text) else { throw OperationError("--since expects a duration like 30s, 10m or 2h, got '\(text)'") }
    return Date().addingTimeInterval(-seconds)
  }

  func tail() throws -> Int? {
    guard let text = args.value("tail") else { return nil }
    guard let n = Int(text), n >= 0 else { throw OperationError("--tail expects a number of lines, got '\(text)'") }
    return n
  }
}
