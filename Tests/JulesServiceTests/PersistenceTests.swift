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
