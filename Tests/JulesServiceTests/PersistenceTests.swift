import Foundation
import Testing
@testable import JulesService
import TestSupport

@Suite struct PersistenceTests {
  @Test func restartWithPersistKeepsSessionsAndDeltas() throws {
    let dir = makeTempDir("persist")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let api = StandInJulesAPI(apiKey: ServiceHarness.apiKey)
    try api.start()
    for i in 0..<3 { api.upsert(id: "keep\(i)", title: "kept \(i)") }
    let first = try ServiceHarness(["JULES_API_BASE": api.baseURL, "PERSIST": "1", "DATA_DIR": dir])
    #expect(eventually(within: 10) { first.service.store.count == 3 })
    first.stop()
    api.stop()
    #expect(FileManager.default.fileExists(atPath: dir + "/sessions.sqlite"))

    // The API is gone now; the restarted service serves what it stored.
    let second = try ServiceHarness(["JULES_API_BASE": api.baseURL, "PERSIST": "1", "DATA_DIR": dir])
    defer { second.stop() }
    let page = try JSONDecoder().decode(SessionPage.self, from: Data(try second.request("/api/sessions").body))
    #expect(page.sessions?.map(\.id) == ["keep0", "keep1", "keep2"])
    #expect(second.service.store.recentDeltas.map(\.changeType) == [.created, .created, .created])
  }

  /// A damaged database is reported and moved aside, not a refusal to start; the mirror fills again from the API.
  @Test func aDamagedDatabaseIsMovedAsideAndTheServiceStarts() throws {
    let dir = makeTempDir("corrupt")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let garbage = Data(repeating: 0x5a, count: 8192)
    try garbage.write(to: URL(fileURLWithPath: dir + "/sessions.sqlite"))
    let api = StandInJulesAPI(apiKey: ServiceHarness.apiKey)
    try api.start()
    defer { api.stop() }
    api.upsert(id: "again", title: "back")
    let h = try ServiceHarness(["JULES_API_BASE": api.baseURL, "PERSIST": "1", "DATA_DIR": dir])
    defer { h.stop() }
    #expect(eventually(within: 10) { h.service.store.count == 1 })
    let aside = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("sessions.sqlite.corrupt-") }
    #expect(aside.count == 1 && FileManager.default.contents(atPath: dir + "/" + aside[0]) == garbage, "the damaged file is kept, untouched")
    #expect(h.log.text.contains("is damaged") && h.log.text.contains("moved to"), "\(h.log.text)")
  }

  @Test func withoutPersistNothingIsWritten() throws {
    let dir = makeTempDir("nopersist")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let h = try ServiceHarness(["DATA_DIR": dir])
    h.stop()
    #expect(!FileManager.default.fileExists(atPath: dir + "/sessions.sqlite"))
  }

  @Test func schemaIsVersionedAndWAL() throws {
    let dir = makeTempDir("schema")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try SessionStore(persistDirectory: dir)
    store.close()
    let db = try SQLiteDatabase(path: dir + "/sessions.sqlite", migrations: SessionStore.migrations)
    defer { db.close() }
    #expect(try db.query("PRAGMA user_version").first?.first == "\(SessionStore.migrations.count)")
    #expect(try db.query("PRAGMA journal_mode").first?.first == "wal")
    // A later migration applies on top of the existing schema.
    db.close()
    let next = try SQLiteDatabase(path: dir + "/sessions.sqlite", migrations: SessionStore.migrations + ["CREATE TABLE extra (x TEXT);"])
    defer { next.close() }
    #expect(try next.query("PRAGMA user_version").first?.first == "\(SessionStore.migrations.count + 1)")
  }
}
