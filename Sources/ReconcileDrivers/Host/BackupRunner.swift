import Essentials
import Foundation
import HostSystems
import ReconcileCore

/// The outcome of one backup run.
public struct BackupResult: Sendable {
  public var manifest: BackupManifest
  /// Backups that retention deleted after this run.
  public var deleted: [String]
}

/// Runs one backup: stages every source (SQLite through the online backup API), writes the manifest of
/// checksums, archives with `tar -czf` (gzip), verifies the archive, then applies retention.
public struct BackupRunner: Sendable {
  public let spec: BackupSpec
  /// The `docker` command for volume sources (`["docker"]`, which honours `DOCKER_HOST`).
  public let docker: [String]

  public init(spec: BackupSpec, docker: [String] = ["docker"]) {
    self.spec = spec
    self.docker = docker
  }

  var catalog: BackupCatalog { BackupCatalog(directory: spec.archiveDirectory) }

  static func newID(_ now: Date) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
    return f.string(from: now)
  }

  /// Creates, verifies and keeps one backup, then deletes what retention no longer keeps. Holds `DIR/.lock`. With
  /// `pin`, the backup is kept outside retention for that reason (a backup taken before a deploy).
  public func run(now: Date = Date(), pin: String? = nil) throws -> BackupResult {
    let dir = spec.archiveDirectory
    do {
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
      throw OperationError(doing: "back up", of: spec.id, cause: .because(OperationError(doing: "create '\(dir)'", error.localizedDescription)))
    }
    let lock = try? FileLock(path: "\(dir)/.lock")
    guard let lock, (try? lock.tryLock()) == true else {
      throw OperationError(doing: "back up", of: spec.id, cause: .failed("another backup of it is running (lock '\(dir)/.lock' is held)"), retryable: true)
    }
    defer { lock.release() }
    // A run killed before it could clean up left its staging copy (and helper containers): holding the lock, they
    // are ours to remove.
    Self.removeStaging(in: dir)
    VolumeArchiver(docker: docker).removeHelpers(of: spec.id)
    let id = Self.newID(now)
    let staging = "\(dir)/.\(id).partial"
    let tmp = "\(dir)/.\(id).tar.gz.partial"
    defer {
      try? FileManager.default.removeItem(atPath: staging)
      unlink(tmp)
    }
    do {
      var manifest = try stage(into: staging, id: id, time: now)
      let tar = try ProcessRunner.run(["tar", "-czf", tmp, "-C", staging, "manifest.json", "data"], diesWithParent: true)
      guard tar.status == 0 else { throw tar.failure(doing: "archive") }
      guard rename(tmp, catalog.archivePath(id)) == 0 else { throw OperationError(doing: "rename '\(tmp)'", cause: .io(path: tmp, errno: errno, call: nil)) }
      manifest.archiveSha256 = try HostFiles.sha256(of: catalog.archivePath(id))
      try catalog.save(manifest)
      try BackupVerifier(catalog: catalog).verify(manifest)
      manifest.verified = true
      manifest.verifiedAt = Date()
      manifest.pinned = pin
      try catalog.save(manifest)
      return BackupResult(manifest: manifest, deleted: try applyRetention())
    } catch let e as OperationError {
      throw e.cause(of: "back up", spec.id)
    }
  }

  /// Copies each source under `staging/data/` and writes `staging/manifest.json` with every file's checksum.
  func stage(into staging: String, id: String, time: Date) throws -> BackupManifest {
    let data = "\(staging)/data"
    try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
    var sqlite: Set<String> = []
    for source in spec.sources {
      if source.kind == .exec {
        try dump(source, to: "\(data)/\(BackupSpec.Source.execPrefix)/\(source.path)")
        continue
      }
      if source.kind == .volume {
        try VolumeArchiver(docker: docker).export(source, of: spec.id, into: "\(data)/\(VolumeArchiver.prefix)/\(source.path)", scratch: staging)
        continue
      }
      // A database inside a Docker volume is read through the volume's mountpoint on this host.
      let inVolume = source.volume.map { "/\(VolumeArchiver.prefix)/\($0)" } ?? ""
      let target = data + inVolume + source.path
      try FileManager.default.createDirectory(atPath: PathText.parent(target), withIntermediateDirectories: true)
      switch source.kind {
      case .sqlite:
        let live = try source.volume.map { try VolumeArchiver(docker: docker).mountpoint($0) + source.path } ?? source.path
        try SQLiteCopier.copy(live, to: target)
        // The copy is written by this process: give it the live database's owner and mode, so a restore does too.
        var st = stat()
        if stat(live, &st) == 0 {
          _ = chown(target, st.st_uid, st.st_gid)
          _ = chmod(target, st.st_mode & 0o7777)
        }
        sqlite.insert(String((inVolume + source.path).dropFirst()))
      case .volume, .exec:
        break
      case .path:
        guard FileManager.default.fileExists(atPath: source.path) else { throw OperationError("the source '\(source.path)' does not exist") }
        let cp = try ProcessRunner.run(["cp", "-a", source.path, target], diesWithParent: true)
        guard cp.status == 0 else { throw cp.failure(doing: "copy '\(source.path)'") }
      }
    }
    var files: [BackupManifest.File] = []
    for rel in try Self.regularFiles(under: data) {
      let size = (try? FileManager.default.attributesOfItem(atPath: "\(data)/\(rel)"))?[.size] as? Int ?? 0
      var st = stat()
      let owned = stat("\(data)/\(rel)", &st) == 0
      files.append(
        BackupManifest.File(
          path: rel, sha256: try HostFiles.sha256(of: "\(data)/\(rel)"), size: size, sqlite: sqlite.contains(rel), uid: owned ? st.st_uid : nil,
          gid: owned ? st.st_gid : nil, mode: owned ? Int(st.st_mode & 0o7777) : nil))
    }
    let manifest = BackupManifest(
      backup: spec.id.description, id: id, time: time, sources: spec.sources.map(\.text), files: files, archive: "\(id).tar.gz", archiveSha256: nil, verified: false,
      verifiedAt: nil, container: spec.container)
    try HostFiles.write(try BackupManifest.encoder.encode(manifest), to: "\(staging)/manifest.json", mode: 0o600, createDirectory: true)
    return manifest
  }

  /// Runs an `exec` source's command (in its container through `docker exec`, else here) with its standard output
  /// going to `target`. The command is part of the run: a failure fails the backup, with its standard error.
  func dump(_ source: BackupSpec.Source, to target: String) throws {
    try FileManager.default.createDirectory(atPath: PathText.parent(target), withIntermediateDirectories: true)
    let argv = source.container.map { docker + ["exec", $0] + source.command } ?? source.command
    var run = try ProcessRunner.run(argv, diesWithParent: true, standardOutputTo: target)
    guard run.status == 0 else {
      // Some tools (docker exec among them) say why on standard output: show its start when standard error is empty.
      if run.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, let head = FileHandle(forReadingAtPath: target)?.readData(ofLength: 2048) {
        run.output = String(decoding: head, as: UTF8.self)
      }
      let place = source.container.map { "in the container '\($0)'" } ?? "on this host"
      throw run.failure(doing: "run the command of the exec source '\(source.path)' \(place)")
    }
  }

  /// Removes every staging copy and partial archive in a backup directory (`.ID.partial`, `.ID.tar.gz.partial`).
  /// Only while no run of this backup is under way: a run holds the directory's lock, and a signal handler of the
  /// run that is ending.
  public static func removeStaging(in directory: String) {
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".partial") {
      try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
    }
  }

  /// Regular files below `root`, relative, sorted.
  static func regularFiles(under root: String) throws -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: root) else { throw OperationError(doing: "list '\(root)'") }
    var out: [String] = []
    while let rel = walker.nextObject() as? String {
      if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { out.append(rel) }
    }
    return out.sorted()
  }

  /// Deletes verified backups the retention policy no longer keeps, and unverified ones older than the newest verified.
  /// Pinned backups are neither deleted nor counted.
  func applyRetention() throws -> [String] {
    let all = catalog.all().filter { $0.pinned == nil }
    let verified = all.filter(\.verified)
    let keep = spec.retention.keep(verified.map { (id: $0.id, time: $0.time) })
    let newest = verified.last?.time ?? .distantPast
    var deleted: [String] = []
    for m in all where m.verified ? !keep.contains(m.id) : m.time < newest {
      try catalog.delete(m.id)
      deleted.append(m.id)
    }
    return deleted
  }
}
