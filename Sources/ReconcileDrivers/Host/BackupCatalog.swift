import Foundation
import ReconcileCore

/// What one backup holds: its sources, every file with its checksum, and the archive's checksum.
/// Kept inside the archive (`manifest.json`) and beside it (`ID.json`, with `verified` once re-read).
public struct BackupManifest: Codable, Sendable, Hashable {
  public struct File: Codable, Sendable, Hashable {
    /// Path inside the archive's `data/`: the source's absolute path without the leading `/`.
    public var path: String
    public var sha256: String
    public var size: Int
    public var sqlite: Bool
    /// The file's owner, group and permission bits at backup time, restored with it (nil in older backups).
    public var uid: UInt32?
    public var gid: UInt32?
    public var mode: Int?
  }

  public var formatVersion = 1
  public var backup: String
  public var id: String
  public var time: Date
  public var sources: [String]
  public var files: [File]
  public var compression = "gzip"
  public var archive: String
  public var archiveSha256: String?
  public var verified: Bool
  public var verifiedAt: Date?
  /// The container stopped and started again around an in-place restore.
  public var container: String?
  /// Why the backup is kept outside retention (`before replace container/app`); nil: retention decides.
  public var pinned: String?

  public var totalBytes: Int { files.reduce(0) { $0 + $1.size } }

  /// The state directory's JSON conventions (pretty, sorted keys, ISO 8601 dates).
  static var encoder: JSONEncoder { JSONStateStore.encoder }
  static var decoder: JSONDecoder { JSONStateStore.decoder }
}

/// The backups of one `backup` resource in `DESTINATION/NAME/`: `ID.tar.gz` archives with `ID.json` manifests.
public struct BackupCatalog: Sendable {
  public let directory: String

  public init(directory: String) { self.directory = directory }

  public func archivePath(_ id: String) -> String { "\(directory)/\(id).tar.gz" }
  public func manifestPath(_ id: String) -> String { "\(directory)/\(id).json" }

  /// Every backup whose manifest reads, oldest first.
  public func all() -> [BackupManifest] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.compactMap { name in
      FileManager.default.contents(atPath: "\(directory)/\(name)").flatMap { try? BackupManifest.decoder.decode(BackupManifest.self, from: $0) }
    }.sorted { $0.time == $1.time ? $0.id < $1.id : $0.time < $1.time }
  }

  /// The newest backup that passed verification.
  public func newestVerified() -> BackupManifest? { all().last { $0.verified } }

  /// The backup `id`, or the newest verified one when `id` is nil.
  public func find(_ id: String?) throws -> BackupManifest {
    let list = all()
    if let id {
      guard let m = list.first(where: { $0.id == id }) else {
        throw OperationError("backup '\(id)' was not found in '\(directory)'\(Suggestion.hint(for: id, in: list.map(\.id)))")
      }
      return m
    }
    guard let m = list.last(where: { $0.verified }) else { throw OperationError("'\(directory)' holds no verified backup") }
    return m
  }

  func save(_ m: BackupManifest) throws {
    try HostFiles.write(try BackupManifest.encoder.encode(m), to: manifestPath(m.id), mode: 0o600, createDirectory: true)
  }

  /// Pins backup `id` with a reason, or unpins it (nil): a pinned backup is never deleted by retention.
  public func pin(_ id: String, _ reason: String?) throws -> BackupManifest {
    var m = try find(id)
    m.pinned = reason
    try save(m)
    return m
  }

  /// Deletes the archive and manifest of `id`.
  func delete(_ id: String) throws {
    try HostFiles.remove(archivePath(id))
    try HostFiles.remove(manifestPath(id))
  }
}
