import Foundation
import Testing
@testable import JulesService
import TestSupport

/// LiteWriter sync against a real nginx WebDAV endpoint.
@Suite struct LiteWriterSyncTests {
  func write(_ dir: String, _ rel: String, _ text: String) throws {
    let path = dir + "/" + rel
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: false, encoding: .utf8)
  }

  func summary(_ r: HTTPClientResponse) throws -> SyncSummary {
    #expect(r.status == 200, "\(r.text)")
    return try JSONDecoder().decode(SyncSummary.self, from: Data(r.body))
  }

  /// Runs `body` with a private WebDAV server and a notes directory (named from `label`) holding `files` (relative
  /// path: text); both are removed afterwards.
  func withNotes(_ label: String, _ files: [String: String], _ body: (NginxDAV, String) throws -> Void) throws {
    let nginx = try NginxDAV()
    defer { nginx.stop() }
    let notes = makeTempDir(label)
    defer { try? FileManager.default.removeItem(atPath: notes) }
    for (path, text) in files { try write(notes, path, text) }
    try body(nginx, notes)
  }

  @Test func uploadsOnlyChangedFilesAndDeletes() throws {
    let files = ["inbox/today.md": "# today", "inbox/deep/idea.md": "idea", "readme.md": "hello", ".hidden.swp": "skip me"]
    try withNotes("notes", files) { nginx, notes in
      let h = try ServiceHarness(["NOTES_DIR": notes, "LITEWRITER_URL": nginx.notesURL, "LITEWRITER_DELETE": "1"])
      defer { h.stop() }

      let first = try summary(h.request("POST", "/api/sync/litewriter"))
      #expect(first.foldersCreated == ["inbox", "inbox/deep"])
      #expect(first.uploaded == ["inbox/deep/idea.md", "inbox/today.md", "readme.md"])
      #expect(nginx.remote("inbox/deep/idea.md") == "idea" && nginx.remote(".hidden.swp") == nil)

      let second = try summary(h.request("POST", "/api/sync/litewriter"))
      #expect(second.uploaded.isEmpty && second.skipped == 3 && second.foldersCreated.isEmpty)

      try write(notes, "readme.md", "hello again")
      try FileManager.default.removeItem(atPath: notes + "/inbox/today.md")
      let third = try summary(h.request("POST", "/api/sync/litewriter"))
      #expect(third.uploaded == ["readme.md"] && third.skipped == 1 && third.deleted == ["inbox/today.md"])
      #expect(nginx.remote("readme.md") == "hello again" && nginx.remote("inbox/today.md") == nil)
      #expect(h.service.metrics.render().contains("jules_sync_runs_total 3"))
    }
  }

  @Test func alertsAfterThresholdConsecutiveFailures() throws {
    let alerts = try WebhookReceiver(secret: nil)
    defer { alerts.stop() }
    try withNotes("notes-fail", ["a.md": "a"]) { nginx, notes in
      let h = try ServiceHarness([
        "NOTES_DIR": notes, "LITEWRITER_URL": nginx.readonlyURL, "SYNC_FAILURE_THRESHOLD": "3",
        "ALERT_WEBHOOK": alerts.url, "LITEWRITER_USER": "writer", "LITEWRITER_PASSWORD": "dav-pass-991",
      ])
      defer { h.stop() }
      for attempt in 1...2 {
        let r = try h.request("POST", "/api/sync/litewriter")
        #expect(r.status == 502 && r.text.contains("could not sync note 'a.md': LiteWriter answered 405 on PUT"), "attempt \(attempt)")
      }
      #expect(h.service.sync?.failures == 2)
      #expect(try h.request("POST", "/api/sync/litewriter").status == 502)
      #expect(eventually(within: 10) { alerts.received.count == 1 })
      let alert = try #require(alerts.received.first?.json)
      #expect(alert["kind"]?.stringValue == "litewriter_sync_failed")
      #expect(alert["message"]?.stringValue?.contains("3 times in a row: could not sync note 'a.md'") == true)
      #expect(!String(decoding: alerts.received[0].body, as: UTF8.self).contains("dav-pass-991"))
      #expect(!h.log.text.contains("dav-pass-991"))
    }
  }

  @Test func watcherSyncsOnChange() throws {
    try withNotes("notes-watch", ["before-start.md": "old"]) { nginx, notes in
      let h = try ServiceHarness(["NOTES_DIR": notes, "LITEWRITER_URL": nginx.notesURL, "NOTES_WATCH": "1"])
      defer { h.stop() }
      #expect(eventually(within: 10) { nginx.remote("before-start.md") == "old" })  // the start-up run
      try write(notes, "new.md", "fresh")
      #expect(eventually(within: 10) { nginx.remote("new.md") == "fresh" })
      try write(notes, "sub/dir/later.md", "nested")
      #expect(eventually(within: 10) { nginx.remote("sub/dir/later.md") == "nested" })
    }
  }

  @Test func notConfiguredAnswers503() throws {
    let h = try ServiceHarness([:])
    defer { h.stop() }
    let r = try h.request("POST", "/api/sync/litewriter")
    #expect(r.status == 503 && r.text.contains("set NOTES_DIR and LITEWRITER_URL"))
  }
}
