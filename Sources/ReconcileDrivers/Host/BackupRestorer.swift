import Essentials
import Foundation
import ReconcileCore

/// Restores one backup into a directory: verifies the archive and every checksum first, refuses to overwrite
/// existing files without `force`, and removes a restored SQLite database's stale `-wal`/`-shm` files.
/// An in-place restore of a backup whose manifest names a container stops it first and starts it again after.
public struct BackupRestorer: Sendable {
  public let catalog: BackupCatalog
  /// The `docker` command used to stop and start the dependent container (`["docker"]`; tests add `--host`).
  public let docker: [String]

  public init(catalog: BackupCatalog, docker: [String] = ["docker"]) {
    self.catalog = catalog
    self.docker = docker
  }

  /// Restores backup `id` (newest verified when nil) below `target` (`/` restores in place). Returns the paths written.
  public func restore(_ id: String?, to target: String, force: Bool) throws -> (BackupManifest, [String]) {
    let m = try catalog.find(id)
    let root = target.count > 1 && target.hasSuffix("/") ? String(target.dropLast()) : target
    let prefix = root == "/" ? "" : root
    let work = "\(catalog.directory)/.\(m.id).restore"
    defer { try? FileManager.default.removeItem(atPath: work) }
    try BackupVerifier(catalog: catalog).extract(m, into: work)
    // A command's output (a database dump) has no place on the host: it is written only below a directory, to be
    // loaded with the database's own tool.
    let files = root == "/" ? m.files.filter { !Self.isCommandOutput($0) } : m.files
    let destinations = try files.map { try destination(of: $0.path, root: root, prefix: prefix) }
    let existing = destinations.filter { FileManager.default.fileExists(atPath: $0) }
    if !existing.isEmpty, !force {
      let shown = existing.prefix(5).map { "    \($0)" }.joined(separator: "\n")
      throw OperationError(
        doing: "restore backup '\(m.id)' into '\(root)'",
        "\(existing.count) file\(existing.count == 1 ? "" : "s") would be overwritten; stop what uses them and add --force:\n\(shown)\(existing.count > 5 ? "\n    …" : "")"
      )
    }
    let paused = root == "/" ? try stopContainer(m.container) : nil
    do {
      try copy(files, work: work, to: destinations)
    } catch {
      if let paused { try? startContainer(paused) }
      throw error
    }
    if let paused { try startContainer(paused) }
    return (m, destinations)
  }

  func copy(_ files: [BackupManifest.File], work: String, to destinations: [String]) throws {
    for (f, dest) in zip(files, destinations) {
      try FileManager.default.createDirectory(atPath: PathText.parent(dest), withIntermediateDirectories: true)
      if f.sqlite {
        for suffix in ["-wal", "-shm", "-journal"] { try HostFiles.remove(dest + suffix) }
      }
      let tmp = "\(dest).reconcile-restore"
      let cp = try ProcessRunner.run(["cp", "-a", "\(work)/data/\(f.path)", tmp])
      guard cp.status == 0 else { throw cp.failure(doing: "restore '\(dest)'") }
      // The owner, group and mode the file had when it was backed up (a service that cannot write its database
      // after a restore is not restored).
      if let uid = f.uid, let gid = f.gid, chown(tmp, uid, gid) != 0 {
        throw OperationError(doing: "restore the owner of '\(dest)'", cause: .io(path: dest, errno: errno, call: "chown"))
      }
      if let mode = f.mode, chmod(tmp, mode_t(mode)) != 0 {
        throw OperationError(doing: "restore the mode of '\(dest)'", cause: .io(path: dest, errno: errno, call: "chmod"))
      }
      guard rename(tmp, dest) == 0 else { throw OperationError(doing: "restore '\(dest)'", cause: .io(path: dest, errno: errno, call: nil)) }
    }
  }

  /// Whether a file is an `exec` source's output (`exec/FILE`).
  public static func isCommandOutput(_ f: BackupManifest.File) -> Bool { f.path.hasPrefix(BackupSpec.Source.execPrefix + "/") }

  /// Where a file goes: below `prefix` at its original path; in place, a Docker volume's files go to the volume's
  /// mountpoint on this host.
  func destination(of path: String, root: String, prefix: String) throws -> String {
    let parts = path.split(separator: "/", maxSplits: 2).map(String.init)
    guard root == "/", parts.count == 3, parts[0] == VolumeArchiver.prefix else { return "\(prefix)/\(path)" }
    return try VolumeArchiver(docker: docker).mountpoint(parts[1]) + "/" + parts[2]
  }

  /// Calls `docker stop NAME` when the container is running; returns its name so it is started again.
  func stopContainer(_ name: String?) throws -> String? {
    guard let name else { return nil }
    let state = try ProcessRunner.run(docker + ["inspect", "-f", "{{.State.Running}}", name])
    guard state.status == 0 else { throw state.failure(doing: "inspect the container '\(name)' before the in-place restore") }
    guard state.output.trimmingCharacters(in: .whitespacesAndNewlines) == "true" else { return nil }
    let stop = try ProcessRunner.run(docker + ["stop", name])
    guard stop.status == 0 else { throw stop.failure(doing: "stop the container '\(name)' before the in-place restore") }
    return name
  }

  /// Calls `docker start NAME` (once: a second call after success is a no-op for a running container).
  func startContainer(_ name: String) throws {
    let start = try ProcessRunner.run(docker + ["start", name])
    guard start.status == 0 else { throw start.failure(doing: "start the container '\(name)' after the restore") }
  }
}
