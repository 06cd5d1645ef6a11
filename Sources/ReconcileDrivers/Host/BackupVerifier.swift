import Foundation
import ReconcileCore

/// Re-reads a backup: the archive's checksum, every file's checksum after extraction, and `PRAGMA integrity_check`
/// on each SQLite copy.
struct BackupVerifier: Sendable {
  let catalog: BackupCatalog

  /// Extracts into a temp directory beside the archive, checks everything, and removes it.
  func verify(_ m: BackupManifest) throws {
    let dir = "\(catalog.directory)/.\(m.id).verify"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try extract(m, into: dir)
  }

  /// Checks the archive checksum, extracts into `dir` and checks every file; leaves the files there.
  func extract(_ m: BackupManifest, into dir: String) throws {
    let archive = catalog.archivePath(m.id)
    guard FileManager.default.fileExists(atPath: archive) else { throw OperationError("the archive '\(archive)' is missing") }
    if let want = m.archiveSha256 {
      let have = try HostFiles.sha256(of: archive)
      guard have == want else { throw OperationError("the archive '\(archive)' is damaged: its checksum is \(have), the manifest says \(want)") }
    }
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let tar = try ProcessRunner.run(["tar", "-xzf", archive, "-C", dir])
    guard tar.status == 0 else { throw tar.failure(doing: "extract '\(archive)'") }
    var problems: [String] = []
    let present = Set(try BackupRunner.regularFiles(under: "\(dir)/data"))
    for f in m.files {
      let path = "\(dir)/data/\(f.path)"
      guard present.contains(f.path) else {
        problems.append("'\(f.path)' is missing from the archive")
        continue
      }
      let sum = try HostFiles.sha256(of: path)
      if sum != f.sha256 { problems.append("'\(f.path)' has checksum \(sum), the manifest says \(f.sha256)") }
      if f.sqlite, let bad = SQLiteCopier.integrityProblems(path) { problems.append("'\(f.path)' fails PRAGMA integrity_check: \(bad)") }
    }
    for extra in present.subtracting(m.files.map(\.path)).sorted() { problems.append("'\(extra)' is in the archive but not in the manifest") }
    guard problems.isEmpty else {
      throw OperationError("backup '\(m.id)' failed verification:\n" + problems.map { "    " + $0 }.joined(separator: "\n"))
    }
  }
}
