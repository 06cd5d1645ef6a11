import Essentials
import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile backup run|list|restore NAME`: backups of a declared `backup` resource.
struct BackupCommand {
  let args: Arguments
  let terminal: Terminal

  func run() throws -> Int32 {
    let p = args.positionals
    guard p.count >= 2, ["run", "list", "restore", "pin", "unpin"].contains(p[0]) else {
      throw OperationError("expected 'reconcile backup run|list|restore|pin|unpin NAME'; see 'reconcile backup --help'")
    }
    let spec = try backupSpec(p[1])
    let catalog = BackupCatalog(directory: spec.archiveDirectory)
    switch p[0] {
    case "run":
      guard p.count == 2 else { throw OperationError("unexpected argument '\(p[2])' for 'backup run'") }
      // Ended by a timeout or an operator (SIGTERM, SIGINT): the staging copy goes with it, and the children (tar,
      // cp, docker) die with the process.
      let directory = spec.archiveDirectory
      let stopping = Locked(false)
      let signals = ControllerCommand.onSignals {
        stopping.withLock { $0 = true }
        BackupRunner.removeStaging(in: directory)
        FileHandle.standardError.write(Data("backup of \(spec.id) stopped by a signal; its staging copy was removed\n".utf8))
        exit(143)
      }
      defer { signals.forEach { $0.cancel() } }
      let result: BackupResult
      do {
        result = try BackupRunner(spec: spec).run()
      } catch {
        // The signal's handler removes the staging copy under tar, which then fails: the handler ends the process
        // (143) in a moment, not this error (seen as an exit status 1 under load).
        if stopping.current { while true { pause() } }
        throw error
      }
      let m = result.manifest
      var line = "Backup \(m.id) of \(spec.id): \(m.files.count) file\(m.files.count == 1 ? "" : "s"), \(Self.bytes(m.totalBytes)), verified; \(catalog.archivePath(m.id))\n"
      if !result.deleted.isEmpty { line += "Retention (\(spec.retention.text)) deleted: \(result.deleted.joined(separator: ", "))\n" }
      terminal.out(line)
    case "list":
      guard p.count == 2 else { throw OperationError("unexpected argument '\(p[2])' for 'backup list'") }
      let all = catalog.all()
      guard !all.isEmpty else {
        terminal.out("No backups of \(spec.id) in \(catalog.directory).\n")
        return ExitCode.ok
      }
      let f = ISO8601DateFormatter()
      var lines = ["ID                     TIME                  FILES  SIZE        VERIFIED  PINNED"]
      for m in all {
        lines.append(
          m.id.padding(toLength: 23, withPad: " ", startingAt: 0) + f.string(from: m.time).padding(toLength: 22, withPad: " ", startingAt: 0)
            + String(m.files.count).padding(toLength: 7, withPad: " ", startingAt: 0) + Self.bytes(m.totalBytes).padding(toLength: 12, withPad: " ", startingAt: 0)
            + (m.verified ? "yes" : "no").padding(toLength: 10, withPad: " ", startingAt: 0) + (m.pinned ?? "-"))
      }
      terminal.out(lines.joined(separator: "\n") + "\n")
    case "pin", "unpin":
      guard p.count == 3 else { throw OperationError("expected 'reconcile backup \(p[0]) NAME ID'") }
      let m = try catalog.pin(p[2], p[0] == "pin" ? "pinned by \(ApplyPipeline.operator.user)" : nil)
      terminal.out("Backup \(m.id) of \(spec.id) is \(m.pinned == nil ? "unpinned: retention decides when it goes" : "pinned: retention keeps it").\n")
    default:
      guard let to = args.value("to") else { throw OperationError("backup restore needs --to DIR ('--to /' restores in place)") }
      let (m, written) = try BackupRestorer(catalog: catalog).restore(p.count > 2 ? p[2] : nil, to: to, force: args.has("force"))
      let around = to == "/" && m.container != nil ? " (container '\(m.container!)' was stopped around the restore and started again if it was running)" : ""
      terminal.out("Restored backup \(m.id) of \(spec.id) into \(to): \(written.count) file\(written.count == 1 ? "" : "s"), checksums verified\(around).\n")
      let outputs = m.files.filter(BackupRestorer.isCommandOutput).map(\.path)
      if to == "/", !outputs.isEmpty {
        terminal.out(
          "Not written in place: \(outputs.joined(separator: ", ")) (command output); restore with --to DIR and load it with the database's own tool.\n")
      }
    }
    return ExitCode.ok
  }

  func backupSpec(_ name: String) throws -> BackupSpec {
    let ws = try Workspace(args)
    let manifest = try ws.manifest()
    // NAME as its schedule calls it (a module's backup too: backup names are unique, their files are), or an address.
    let address = ResourceID(parsing: name)
    let backups = manifest.resources.filter { $0.id.kind == "backup" }
    guard let spec = backups.first(where: { $0.id == address || $0.id.name == name })?.spec as? BackupSpec else {
      throw OperationError("backup/\(name) is not declared in the manifests\(Suggestion.hint(for: name, in: backups.map(\.id.name)))")
    }
    return spec
  }

  static func bytes(_ n: Int) -> String {
    if n < 1024 { return "\(n) B" }
    if n < 1 << 20 { return String(format: "%.1f KiB", Double(n) / 1024) }
    return String(format: "%.1f MiB", Double(n) / 1_048_576)
  }
}
