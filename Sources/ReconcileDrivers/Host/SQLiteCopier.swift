import CSQLite
import Foundation
import ReconcileCore

/// Copies a live SQLite database consistently with the online backup API, and checks copies with `PRAGMA integrity_check`.
enum SQLiteCopier {
  /// Copies `source` to `destination` with `sqlite3_backup_*` in one step under a read transaction, so writers of
  /// the source keep going (WAL) or wait briefly (rollback journal); busy and locked answers are retried for 30 s.
  static func copy(_ source: String, to destination: String) throws {
    var src: OpaquePointer?
    var dst: OpaquePointer?
    defer {
      sqlite3_close_v2(src)
      sqlite3_close_v2(dst)
    }
    guard FileManager.default.fileExists(atPath: source) else { throw OperationError(doing: "back up the SQLite database '\(source)'", "it does not exist") }
    guard sqlite3_open_v2(source, &src, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
      throw OperationError(doing: "open the SQLite database '\(source)'", "\(message(src))")
    }
    sqlite3_busy_timeout(src, 30_000)
    guard sqlite3_open_v2(destination, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK else {
      throw OperationError(doing: "create the SQLite copy '\(destination)'", "\(message(dst))")
    }
    guard let backup = sqlite3_backup_init(dst, "main", src, "main") else {
      throw OperationError(doing: "start the SQLite backup of '\(source)'", "\(message(dst))")
    }
    let deadline = Date().addingTimeInterval(30)
    var rc: Int32
    repeat {
      rc = sqlite3_backup_step(backup, -1)
      if rc == SQLITE_BUSY || rc == SQLITE_LOCKED {
        guard Date() < deadline else { break }
        usleep(20_000)  // back off while a writer holds the lock
      }
    } while rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED
    sqlite3_backup_finish(backup)
    guard rc == SQLITE_DONE else {
      throw OperationError(doing: "copy the SQLite database '\(source)'", "\(String(cString: sqlite3_errstr(rc)))", retryable: rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
    }
    // A copy of a WAL database stays in WAL mode; make it a single self-contained file.
    guard sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", nil, nil, nil) == SQLITE_OK else {
      throw OperationError(doing: "finish the SQLite copy '\(destination)'", "\(message(dst))")
    }
  }

  /// Runs `PRAGMA integrity_check` on a copy; returns nil when it answers `ok`, otherwise the problems.
  static func integrityProblems(_ path: String) -> String? {
    var db: OpaquePointer?
    defer { sqlite3_close_v2(db) }
    guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { return "cannot open: \(message(db))" }
    var stmt: OpaquePointer?
    guard sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nil) == SQLITE_OK else { return message(db) }
    defer { sqlite3_finalize(stmt) }
    var lines: [String] = []
    while sqlite3_step(stmt) == SQLITE_ROW {
      if let c = sqlite3_column_text(stmt, 0) { lines.append(String(cString: c)) }
    }
    if lines == ["ok"] { return nil }
    return lines.isEmpty ? message(db) : lines.joined(separator: "; ")
  }

  static func message(_ db: OpaquePointer?) -> String {
    db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
  }
}
