import Foundation
import ReconcileCore

/// Restores one backup into a directory: verifies the archive and every checksum first, refuses to overwrite
/// existing files without `force`, and removes a restored SQLite database's stale `-wal`/`-shm` files.
public struct BackupRestorer: Sendable {
  public let catalog: BackupCatalog

  public init(catalog: BackupCatalog) { self.catalog = catalog }

  /// Restores backup `id` (newest verified when nil) below `target` (`/` restores in place). Returns the paths written.
  public func restore(_ id: String?, to target: String, force: Bool) throws -> (BackupManifest, [String]) {
    let m = try catalog.find(id)
    let root = target.count > 1 && target.hasSuffix("/") ? String(target.dropLast()) : target
    let prefix = root == "/" ? "" : root
    let work = "\(catalog.directory)/.\(m.id).restore"
    defer { try? FileManager.default.removeItem(atPath: work) }
    try BackupVerifier(catalog: catalog).extract(m, into: work)
    let destinations = m.files.map { "\(prefix)/\($0.path)" }
    let existing = destinations.filter { FileManager.default.fileExists(atPath: $0) }
    if !existing.isEmpty, !force {
      let shown = existing.prefix(5).map { "    \($0)" }.joined(separator: "\n")
      throw OperationError(
        "could not restore backup '\(m.id)' into '\(root)': \(existing.count) file\(existing.count == 1 ? "" : "s") would be overwritten; stop what uses them and add --force:\n\(shown)\(existing.count > 5 ? "\n    …" : "")"
      )
    }
    for (f, dest) in zip(m.files, destinations) {
      try FileManager.default.createDirectory(atPath: (dest as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      if f.sqlite {
        for suffix in ["-wal", "-shm", "-journal"] { try HostFiles.remove(dest + suffix) }
      }
      let tmp = "\(dest).reconcile-restore"
      let cp = try ProcessRunner.run(["cp", "-a", "\(work)/data/\(f.path)", tmp])
      guard cp.status == 0 else { throw cp.failure("could not restore '\(dest)'") }
      guard rename(tmp, dest) == 0 else { throw OperationError("could not restore '\(dest)': \(String(cString: strerror(errno)))") }
    }
    return (m, destinations)
  }
}
