import Foundation
import ReconcileCore
import ReconcileDrivers
import Testing
import TestSupport

/// Backups of a command's output against a real PostgreSQL (scripts/postgres.sh): `pg_dump` runs as part of the backup,
/// the dump is verified and restored into a new database with psql, row for row. Pinned backups stay outside retention.
@Suite struct HostBackupSourcesTests {
  static let env = ProcessInfo.processInfo.environment
  static let pgHost = env["RECONCILE_TEST_PG_HOST"] ?? ""
  static let pgPort = env["RECONCILE_TEST_PG_PORT"] ?? ""

  static func psql(_ database: String, _ sql: String) throws -> String {
    let r = try ProcessRunner.run(["psql", "-X", "-q", "-t", "-A", "-h", pgHost, "-p", pgPort, "-U", "postgres", "-d", database, "-c", sql])
    guard r.status == 0 else { throw r.failure(doing: "psql \(sql)") }
    return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test func aPostgreSQLDumpIsBackedUpAsPartOfTheRunAndRestoresRowForRow() throws {
    try #require(!Self.pgHost.isEmpty, "no PostgreSQL: scripts/test.sh starts one with scripts/postgres.sh")
    let box = try HostSandbox()
    defer { box.cleanup() }
    let db = "rc_\(UUID().uuidString.prefix(8).lowercased())"
    _ = try Self.psql("postgres", "CREATE DATABASE \(db)")
    defer {
      _ = try? Self.psql("postgres", "DROP DATABASE IF EXISTS \(db)")
      _ = try? Self.psql("postgres", "DROP DATABASE IF EXISTS \(db)_restored")
    }
    _ = try Self.psql(db, "CREATE TABLE orders(id serial PRIMARY KEY, item text); INSERT INTO orders(item) SELECT 'item ' || g FROM generate_series(1, 1000) g")
    let m = try box.manifest(
      #"""
      { "kind": "backup", "name": "pg", "sources": [ { "exec": { "command": ["pg_dump", "-h", "\#(Self.pgHost)", "-p", "\#(Self.pgPort)", "-U", "postgres", "--no-owner", "\#(db)"], "file": "app.sql" } } ],
        "destination": "ROOT/backups", "schedule": "@daily", "keep": { "last": 3 }, "cronDirectory": "ROOT/cron.d" }
      """#)
    let spec = try #require(m.resources[0].spec as? BackupSpec)
    #expect(spec.job.attributes.contains { $0.name == "sources" && $0.value == "exec:host:app.sql" })
    let result = try BackupRunner(spec: spec).run()
    #expect(result.manifest.verified && result.manifest.files.map(\.path) == ["exec/app.sql"])
    #expect(result.manifest.files[0].size > 10_000, "the dump holds the rows")

    let target = "\(box.root)/restore"
    let (_, written) = try BackupRestorer(catalog: BackupCatalog(directory: spec.archiveDirectory)).restore(nil, to: target, force: false)
    #expect(written == ["\(target)/exec/app.sql"])
    _ = try Self.psql("postgres", "CREATE DATABASE \(db)_restored")
    let load = try ProcessRunner.run([
      "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", Self.pgHost, "-p", Self.pgPort, "-U", "postgres", "-d", "\(db)_restored", "-f", written[0],
    ])
    #expect(load.status == 0, "\(load.output)")
    #expect(try Self.psql("\(db)_restored", "SELECT count(*), max(item) FROM orders") == "1000|item 999")

    // A command that fails fails the backup, with its own words; nothing is kept.
    let broken = try box.manifest(
      #"""
      { "kind": "backup", "name": "pg", "sources": [ { "exec": { "command": ["pg_dump", "-h", "\#(Self.pgHost)", "-p", "\#(Self.pgPort)", "-U", "postgres", "no_such_db"], "file": "app.sql" } } ],
        "destination": "ROOT/backups", "schedule": "@daily", "cronDirectory": "ROOT/cron.d" }
      """#)
    #expect {
      try BackupRunner(spec: try #require(broken.resources[0].spec as? BackupSpec)).run()
    } throws: { error in
      "\(error)".contains("run the command of the exec source 'app.sql' on this host") && "\(error)".contains("no_such_db")
    }
    #expect(BackupCatalog(directory: spec.archiveDirectory).all().count == 1)
  }

  @Test func pinnedBackupsStayOutsideRetentionUntilUnpinned() throws {
    let box = try HostSandbox()
    defer { box.cleanup() }
    try FileManager.default.createDirectory(atPath: "\(box.root)/live", withIntermediateDirectories: true)
    try "v1".write(toFile: "\(box.root)/live/conf", atomically: true, encoding: .utf8)
    let m = try box.manifest(
      #"""
      { "kind": "backup", "name": "conf", "sources": [ { "path": "ROOT/live/conf" } ], "destination": "ROOT/backups", "schedule": "@daily",
        "keep": { "last": 1 }, "cronDirectory": "ROOT/cron.d" }
      """#)
    let spec = try #require(m.resources[0].spec as? BackupSpec)
    let t = Date()
    let pinned = try BackupRunner(spec: spec).run(now: t, pin: "before replacing container/app").manifest
    _ = try BackupRunner(spec: spec).run(now: t.addingTimeInterval(1))
    let third = try BackupRunner(spec: spec).run(now: t.addingTimeInterval(2))
    let catalog = BackupCatalog(directory: spec.archiveDirectory)
    #expect(catalog.all().map(\.id) == [pinned.id, third.manifest.id], "keep last 1, and the pinned one besides")
    #expect(catalog.all().first?.pinned == "before replacing container/app")
    _ = try catalog.pin(pinned.id, nil)
    let fourth = try BackupRunner(spec: spec).run(now: t.addingTimeInterval(3))
    #expect(catalog.all().map(\.id) == [fourth.manifest.id], "unpinned, retention decides again")
  }
}
