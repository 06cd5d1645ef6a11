import Foundation
import Essentials

/// The mirror of Jules sessions and the recent deltas, in memory, and in SQLite when `PERSIST=1`.
public final class SessionStore: Sendable {
  static let migrations = [
    """
    CREATE TABLE sessions (id TEXT PRIMARY KEY, update_time TEXT, position INTEGER NOT NULL, json TEXT NOT NULL);
    CREATE TABLE deltas (seq INTEGER PRIMARY KEY AUTOINCREMENT, change_type TEXT NOT NULL, session_id TEXT NOT NULL,
                         timestamp TEXT NOT NULL, json TEXT NOT NULL);
    """,
    "CREATE INDEX deltas_by_session ON deltas(session_id, seq);",
  ]

  struct State {
    var sessions: [JulesSession] = []
    var byID: [String: Int] = [:]
    var recentDeltas: [SessionDelta] = []
    /// Encoded `GET /sessions` pages keyed by "start:size"; cleared whenever the mirror changes.
    var pages: [String: [UInt8]] = [:]
    var version = 0
  }

  private let state = Locked(State())
  private let database: Locked<SQLiteDatabase?>
  public let maxRecentDeltas = 500

  /// An in-memory store, or one backed by `DATA_DIR/sessions.sqlite` (created with its directory). A file SQLite
  /// calls damaged is moved aside (`sessions.sqlite.corrupt-TIME`, with its `-wal`/`-shm`), `report`ed, and a new
  /// database started: the mirror fills again from the Jules API. Any other failure (permissions) is an error.
  public convenience init(persistDirectory: String?, report: (String) -> Void = { _ in }) throws {
    do {
      try self.init(opening: persistDirectory)
    } catch let error as SQLiteDatabase.Corrupt {
      guard let dir = persistDirectory else { throw error }
      let path = dir + "/sessions.sqlite", aside = "\(path).corrupt-\(Int(Date().timeIntervalSince1970))"
      for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
        guard rename(path + suffix, aside + suffix) == 0 else { throw JulesError("could not move the damaged '\(path + suffix)' aside: \(String(cString: strerror(errno)))") }
      }
      report("the database '\(path)' is damaged (\(error)); it was moved to '\(aside)' and a new one started")
      try self.init(opening: persistDirectory)
    }
  }

  private init(opening persistDirectory: String?) throws {
    guard let dir = persistDirectory else {
      database = Locked(nil)
      return
    }
    do {
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    } catch {
      throw JulesError("could not create data directory '\(dir)': \(error.localizedDescription)")
    }
    let db = try SQLiteDatabase(path: dir + "/sessions.sqlite", migrations: Self.migrations)
    database = Locked(db)
    let rows = try db.query("SELECT json FROM sessions ORDER BY position")
    let decoder = JSONDecoder()
    let loaded = rows.compactMap { $0.first.flatMap { $0 }.flatMap { try? decoder.decode(JulesSession.self, from: Data($0.utf8)) } }
    let deltaRows = try db.query("SELECT json FROM (SELECT seq, json FROM deltas ORDER BY seq DESC LIMIT \(maxRecentDeltas)) ORDER BY seq")
    let deltas = deltaRows.compactMap { $0.first.flatMap { $0 }.flatMap { try? decoder.decode(SessionDelta.self, from: Data($0.utf8)) } }
    state.withLock { s in
      s.sessions = loaded
      s.byID = Dictionary(uniqueKeysWithValues: loaded.enumerated().map { ($1.id, $0) })
      s.recentDeltas = deltas
    }
  }

  public var isPersistent: Bool { database.current != nil }
  public var sessions: [JulesSession] { state.current.sessions }
  public var count: Int { state.current.sessions.count }
  public var recentDeltas: [SessionDelta] { state.current.recentDeltas }
  public var snapshot: [String: JulesSession] {
    Dictionary(uniqueKeysWithValues: state.current.sessions.map { ($0.id, $0) })
  }

  public func session(id: String) -> JulesSession? {
    state.withLock { s in s.byID[id].map { s.sessions[$0] } }
  }

  /// Replaces the mirror with `sessions` and records `deltas`; writes both to SQLite in one transaction.
  public func apply(sessions: [JulesSession], deltas: [SessionDelta]) throws {
    state.withLock { s in
      s.sessions = sessions
      s.byID = Dictionary(sessions.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
      s.pages = [:]
      s.version += 1
      s.recentDeltas.append(contentsOf: deltas)
      if s.recentDeltas.count > maxRecentDeltas { s.recentDeltas.removeFirst(s.recentDeltas.count - maxRecentDeltas) }
    }
    try database.withLock { db in
      guard let db, !deltas.isEmpty else { return }
      try db.exec("BEGIN")
      do {
        try db.query("DELETE FROM sessions")
        for (i, s) in sessions.enumerated() {
          try db.query(
            "INSERT INTO sessions (id, update_time, position, json) VALUES (?, ?, ?, ?)",
            [s.id, s.updateTime, String(i), String(decoding: JSONCoding.encode(s), as: UTF8.self)])
        }
        for d in deltas {
          try db.query(
            "INSERT INTO deltas (change_type, session_id, timestamp, json) VALUES (?, ?, ?, ?)",
            [d.changeType.rawValue, d.sessionID, d.timestamp, String(decoding: JSONCoding.encode(d), as: UTF8.self)])
        }
        try db.exec("COMMIT")
      } catch {
        try? db.exec("ROLLBACK")
        throw error
      }
    }
  }

  /// One page in the Jules API list shape (`sessions`, `nextPageToken`), encoded once per mirror
  /// version; nil when `start` is past the end.
  public func encodedPage(start: Int, size: Int) -> [UInt8]? {
    let key = "\(start):\(size)"
    if let cached = state.withLock({ $0.pages[key] }) { return cached }
    let (all, version) = state.withLock { ($0.sessions, $0.version) }
    guard start >= 0, start <= all.count else { return nil }
    let slice = Array(all[start..<min(all.count, start + size)])
    let next = start + slice.count < all.count ? String(start + slice.count) : nil
    let body = JSONCoding.encode(SessionPage(sessions: slice, nextPageToken: next))
    state.withLock { s in
      guard s.version == version else { return }  // the mirror moved on while encoding
      if s.pages.count > 64 { s.pages = [:] }
      s.pages[key] = body
    }
    return body
  }

  public func databaseHealthy() -> Bool { database.withLock { $0?.ping() ?? true } }

  /// Closes the SQLite connection (checkpointing the WAL). Further writes stay in memory only.
  public func close() {
    database.withLock { db in
      db?.close(); db = nil
    }
  }
}
