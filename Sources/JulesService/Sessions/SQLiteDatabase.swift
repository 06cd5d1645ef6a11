import CSQLite
import Foundation

/// A SQLite connection (libsqlite3) in WAL mode with versioned migrations. Callers serialise access.
public final class SQLiteDatabase: @unchecked Sendable {
  private var db: OpaquePointer?
  public let path: String

  /// Opens or creates the database at `path`, enables WAL and applies pending `migrations`
  /// (index `i` moves the schema from version `i` to `i + 1`, tracked in `PRAGMA user_version`).
  public init(path: String, migrations: [String]) throws {
    self.path = path
    let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil)
    guard rc == SQLITE_OK else {
      let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      sqlite3_close(db)
      db = nil
      throw JulesError("could not open database '\(path)': \(msg)")
    }
    sqlite3_busy_timeout(db, 5000)
    try exec("PRAGMA journal_mode=WAL")
    try exec("PRAGMA synchronous=NORMAL")
    let version = try query("PRAGMA user_version").first?.first.flatMap { Int($0 ?? "") } ?? 0
    for (i, sql) in migrations.enumerated() where i >= version {
      try exec("BEGIN")
      do {
        try exec(sql)
        try exec("PRAGMA user_version = \(i + 1)")
        try exec("COMMIT")
      } catch let error as Corrupt {
        throw error
      } catch {
        try? exec("ROLLBACK")
        throw JulesError("could not migrate database '\(path)' to schema version \(i + 1): \(error)")
      }
    }
  }

  public func exec(_ sql: String) throws {
    var err: UnsafeMutablePointer<CChar>?
    if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
      let msg = err.map { String(cString: $0) } ?? "unknown error"
      sqlite3_free(err)
      throw failure("could not run SQL on '\(path)': \(msg)")
    }
  }

  /// The file is not a database, or a damaged one (SQLite's NOTADB or CORRUPT).
  public struct Corrupt: Error, CustomStringConvertible {
    public let description: String
  }

  /// `Corrupt` when SQLite says the file is damaged, else a plain error with `message`.
  func failure(_ message: String) -> Error {
    let code = db.map { sqlite3_errcode($0) & 0xff } ?? SQLITE_OK
    return code == SQLITE_NOTADB || code == SQLITE_CORRUPT ? Corrupt(description: message) : JulesError(message)
  }

  /// Runs a statement with text parameters and returns rows of text columns.
  @discardableResult
  public func query(_ sql: String, _ params: [String?] = []) throws -> [[String?]] {
    var stmt: OpaquePointer?
    guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else {
      throw failure("could not prepare SQL on '\(path)': \(String(cString: sqlite3_errmsg(db)))")
    }
    defer { sqlite3_finalize(stmt) }
    for (i, p) in params.enumerated() {
      if let p { sqlite3_bind_text(stmt, Int32(i + 1), p, -1, rc_sqlite_transient()) } else { sqlite3_bind_null(stmt, Int32(i + 1)) }
    }
    var rows: [[String?]] = []
    while true {
      let rc = sqlite3_step(stmt)
      if rc == SQLITE_DONE { break }
      guard rc == SQLITE_ROW else {
        throw failure("could not run SQL on '\(path)': \(String(cString: sqlite3_errmsg(db)))")
      }
      let n = sqlite3_column_count(stmt)
      rows.append((0..<n).map { c in sqlite3_column_text(stmt, c).map { String(cString: $0) } })
    }
    return rows
  }

  /// Checks the connection answers (for `/readyz`).
  public func ping() -> Bool { (try? query("SELECT 1")) != nil }

  public func close() {
    if db != nil {
      _ = try? exec("PRAGMA wal_checkpoint(TRUNCATE)")
      sqlite3_close_v2(db)
      db = nil
    }
  }

  deinit { close() }
}
