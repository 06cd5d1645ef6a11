import Foundation
import ReconcileCore
import ReconcileDrivers
import Testing
import TestSupport

/// Backups of a real SQLite database under concurrent writes, real tar/gzip archives, retention and restore.
@Suite struct HostBackupTests {
  static func sh(_ script: String) throws -> ProcessResult {
    try ProcessRunner.run(["/bin/sh", "-c", script])
  }

  static func backup(_ box: HostSandbox, keep: String = #"{ "last": 2 }"#) throws -> BackupSpec {
    let m = try box.manifest(
      #"""
      { "kind": "backup", "name": "app", "sources": [ { "sqlite": "ROOT/live/app.sqlite" }, { "path": "ROOT/live/conf" } ],
        "destination": "ROOT/backups", "schedule": "@daily", "keep": \#(keep), "cronDirectory": "ROOT/cron.d" }
      """#)
    return try #require(m.resources[0].spec as? BackupSpec)
  }

  /// `ROOT/live` with `conf/` and a small SQLite database `app.sqlite` (one row); returns its path.
  static func liveData(_ box: HostSandbox) throws -> String {
    let live = "\(box.root)/live"
    try FileManager.default.createDirectory(atPath: "\(live)/conf", withIntermediateDirectories: true)
    _ = try Self.sh("sqlite3 '\(live)/app.sqlite' 'CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB); INSERT INTO t(body) VALUES (1)'")
    return live
  }

  /// Starts `sqlite3` committing 30 000 small transactions into the database; returns the running process.
  static func startWriter(_ db: String, journal: String, dir: String) throws -> Process {
    var sql = "PRAGMA journal_mode=\(journal);\nPRAGMA busy_timeout=5000;\nCREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, body BLOB);\n"
    for _ in 0..<30000 { sql += "BEGIN; INSERT INTO t(body) VALUES (randomblob(1500)); COMMIT;\n" }
    try sql.write(toFile: "\(dir)/writes.sql", atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "exec sqlite3 '\(db)' < '\(dir)/writes.sql' > /dev/null 2>&1"]
    try p.run()
    return p
  }

  static func rows(_ db: String) -> Int {
    Int((try? sh("sqlite3 -cmd '.timeout 5000' '\(db)' 'SELECT count(*) FROM t' 2>/dev/null"))?.output.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
  }

  @Test(arguments: ["wal", "delete"])
  func sqliteUnderConcurrentWritesBacksUpVerifiesAndRestoresByteIdentical(journal: String) async throws {
    let box = try HostSandbox()
    defer { box.cleanup() }
    let live = "\(box.root)/live"
    try FileManager.default.createDirectory(atPath: "\(live)/conf", withIntermediateDirectories: true)
    try "port = 8080\n".write(toFile: "\(live)/conf/app.conf", atomically: true, encoding: .utf8)
    let db = "\(live)/app.sqlite"
    let writer = try Self.startWriter(db, journal: journal, dir: box.root)
    defer { if writer.isRunning { writer.terminate() } }
    #expect(eventually(within: 30) { Self.rows(db) > 200 }, "the writer never got going")
    let spec = try Self.backup(box)
    let result = try BackupRunner(spec: spec).run()
    #expect(writer.isRunning, "the writer finished before the backup; the backup did not run under concurrent writes")
    let m = result.manifest
    #expect(m.verified && m.archiveSha256 != nil)
    let dbRel = String(db.dropFirst())
    let copy = try #require(m.files.first { $0.path == dbRel })
    #expect(copy.sqlite)
    #expect(m.files.map(\.path).sorted() == [String("\(live)/conf/app.conf".dropFirst()), dbRel].sorted())
    writer.terminate()
    writer.waitUntilExit()

    // Restore into an empty directory: checksums verified first, SQLite copy intact and byte-identical to the archived one.
    let target = "\(box.root)/restore"
    let (restored, written) = try BackupRestorer(catalog: BackupCatalog(directory: spec.archiveDirectory)).restore(nil, to: target, force: false)
    #expect(restored.id == m.id && written.count == 2)
    let restoredDB = target + db
    let sum = try Self.sh("sha256sum '\(restoredDB)'").output.split(separator: " ").first.map(String.init)
    #expect(sum == copy.sha256)
    #expect(try Self.sh("sqlite3 '\(restoredDB)' 'PRAGMA integrity_check'").output == "ok\n")
    #expect(Self.rows(restoredDB) > 200)
    #expect(try String(contentsOfFile: target + "\(live)/conf/app.conf", encoding: .utf8) == "port = 8080\n")
  }

  /// A restore gives every file the owner, group and mode it had when it was backed up: a database owned by the
  /// service's user (10001) stays writable by it, not root's after the restore.
  @Test func aRestoreKeepsOwnerGroupAndMode() async throws {
    let box = try HostSandbox()
    defer { box.cleanup() }
    let live = try Self.liveData(box)
    try "port = 8080\n".write(toFile: "\(live)/conf/app.conf", atomically: true, encoding: .utf8)
    for (path, mode) in [("\(live)/app.sqlite", "0640"), ("\(live)/conf/app.conf", "0600")] {
      #expect(chown(path, 10001, 10002) == 0 && chmod(path, mode_t(mode, radix: 8)!) == 0)
    }
    let spec = try Self.backup(box)
    _ = try BackupRunner(spec: spec).run()
    let target = "\(box.root)/restore"
    _ = try BackupRestorer(catalog: BackupCatalog(directory: spec.archiveDirectory)).restore(nil, to: target, force: false)
    for (path, mode) in [("\(live)/app.sqlite", 0o640), ("\(live)/conf/app.conf", 0o600)] {
      var st = stat()
      #expect(stat(target + path, &st) == 0)
      #expect(st.st_uid == 10001 && st.st_gid == 10002 && Int(st.st_mode & 0o7777) == mode, "\(path): \(st.st_uid):\(st.st_gid) \(String(st.st_mode & 0o7777, radix: 8))")
    }
  }

  @Test func retentionKeepsExactlyTheNewestAndRestoreRefusesToOverwrite() async throws {
    let box = try HostSandbox()
    defer { box.cleanup() }
    let live = try Self.liveData(box)
    let spec = try Self.backup(box)
    var ids: [String] = []
    for i in 0..<4 {
      try "version \(i)\n".write(toFile: "\(live)/conf/app.conf", atomically: true, encoding: .utf8)
      let r = try BackupRunner(spec: spec).run(now: Date().addingTimeInterval(Double(i)))
      ids.append(r.manifest.id)
      #expect(r.deleted == (i < 2 ? [] : [ids[i - 2]]))
    }
    let catalog = BackupCatalog(directory: spec.archiveDirectory)
    #expect(catalog.all().map(\.id) == Array(ids.suffix(2)))
    let files = try FileManager.default.contentsOfDirectory(atPath: spec.archiveDirectory).filter { !$0.hasPrefix(".") }.sorted()
    #expect(files == ids.suffix(2).flatMap { ["\($0).json", "\($0).tar.gz"] }.sorted())

    // In place ('--to /'): refused while the live files exist, done with force; the older backup is chosen by id.
    let restorer = BackupRestorer(catalog: catalog)
    try "live change\n".write(toFile: "\(live)/conf/app.conf", atomically: true, encoding: .utf8)
    try "stale wal".write(toFile: "\(live)/app.sqlite-wal", atomically: true, encoding: .utf8)
    let refused = #expect(throws: OperationError.self) { try restorer.restore(ids[2], to: "/", force: false) }
    #expect(refused?.description.contains("2 files would be overwritten; stop what uses them and add --force") == true, "\(refused?.description ?? "")")
    #expect(try String(contentsOfFile: "\(live)/conf/app.conf", encoding: .utf8) == "live change\n")
    _ = try restorer.restore(ids[2], to: "/", force: true)
    #expect(try String(contentsOfFile: "\(live)/conf/app.conf", encoding: .utf8) == "version 2\n")
    #expect(!FileManager.default.fileExists(atPath: "\(live)/app.sqlite-wal"))

    // A damaged archive is refused before anything is written.
    let archive = catalog.archivePath(ids[3])
    var bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
    bytes[bytes.count / 2] ^= 0xFF
    try bytes.write(to: URL(fileURLWithPath: archive))
    let damaged = #expect(throws: OperationError.self) { try restorer.restore(ids[3], to: "\(box.root)/elsewhere", force: false) }
    #expect(damaged?.description.contains("is damaged: its checksum is") == true)
    #expect(!FileManager.default.fileExists(atPath: "\(box.root)/elsewhere"))
  }

  @Test func backupScheduleIsAJobAndTheLastGoodBackupIsObserved() async throws {
    let box = try HostSandbox()
    defer { box.cleanup() }
    try FileManager.default.createDirectory(atPath: "\(box.root)/live/conf", withIntermediateDirectories: true)
    _ = try Self.sh("sqlite3 '\(box.root)/live/app.sqlite' 'CREATE TABLE t(x)'")
    let m = try box.manifest(
      #"{ "kind": "backup", "name": "app", "sources": [ { "sqlite": "ROOT/live/app.sqlite" } ], "destination": "ROOT/backups", "schedule": "@daily", "cronDirectory": "ROOT/cron.d" }"#
    )
    let state = try await box.apply(m)
    #expect(box.read("\(box.root)/cron.d/reconcile-backup-app")?.contains("@daily root /usr/local/bin/reconcile run-job backup-app --manifests ") == true)
    let def = try #require(try JobDefinition.load(box.paths.definition(of: "backup-app")))
    #expect(def.argv == ["/usr/local/bin/reconcile", "backup", "run", "app", "--manifests", box.paths.manifests, "--state", box.paths.state])
    #expect(try await box.plan(m, state: state).isEmpty)
    let spec = try #require(m.resources[0].spec as? BackupSpec)
    let made = try BackupRunner(spec: spec).run()
    let observed = try await box.drivers.observe(m.resources.map { ObserveTarget(id: $0.id, locator: $0.spec.locator, spec: $0.spec) })
    let lastGood = try #require(observed[ResourceID(kind: "backup", name: "app")].facts[.lastGood].flatMap(Double.init))
    #expect(abs(lastGood - made.manifest.time.timeIntervalSince1970) < 1)
    // Prune removes the schedule and never the archives.
    let prune = try await box.plan(try box.manifest(""), state: state)
    for s in prune.steps { try await box.drivers.perform(s) }
    #expect(!box.exists("\(box.root)/cron.d/reconcile-backup-app"))
    #expect(box.exists(BackupCatalog(directory: spec.archiveDirectory).archivePath(made.manifest.id)))
  }
}
