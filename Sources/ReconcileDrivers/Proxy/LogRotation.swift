import Foundation
import ReconcileCore

/// Keeps the logs reconcile's own servers and runs write under a size cap, as logrotate would with `size` and
/// `rotate 1`: past `limit` bytes a log moves to `NAME.1` (the older `.1` goes) and its writer starts a new one. nginx
/// reopens its logs on SIGUSR1; a log held by a process that cannot reopen (a server's captured output, opened for
/// appending) is copied to `.1` and truncated in place. Caddy rolls its own upstream log (`roll_size`).
public enum LogRotation {
  /// Rotates what is past `limit` among the managed server's logs; returns the paths rotated.
  @discardableResult
  public static func rotate(server: ProxyServerKind, prefix: String, admin: String?, limit: Int) -> [String] {
    var rotated: [String] = []
    let logs = prefix + "/logs"
    switch server {
    case .nginx:
      let moved = ["access.log", "error.log", "upstreams.json"].map { "\(logs)/\($0)" }.filter { move($0, limit: limit) }
      if !moved.isEmpty, let pid = NginxServer(prefix: prefix).runningPID { kill(pid, SIGUSR1) }
      rotated += moved
      if copyTruncate("\(logs)/start.out", limit: limit) { rotated.append("\(logs)/start.out") }
    case .caddy:
      if copyTruncate("\(logs)/start.out", limit: limit) { rotated.append("\(logs)/start.out") }
    }
    return rotated
  }

  /// The state directory's `history.jsonl` (one line per run; a controller writes one every few minutes).
  @discardableResult
  public static func rotate(history path: String, limit: Int) -> Bool { move(path, limit: limit) }

  /// Renames `path` to `path.1` when it is larger than `limit`.
  static func move(_ path: String, limit: Int) -> Bool {
    guard size(path) > limit else { return false }
    return rename(path, path + ".1") == 0
  }

  /// Copies `path` to `path.1`, then empties it (its writer appends, so it goes on at the start).
  static func copyTruncate(_ path: String, limit: Int) -> Bool {
    guard size(path) > limit, let data = FileManager.default.contents(atPath: path) else { return false }
    guard (try? data.write(to: URL(fileURLWithPath: path + ".1"))) != nil else { return false }
    return truncate(path, 0) == 0
  }

  static func size(_ path: String) -> Int {
    var st = stat()
    return stat(path, &st) == 0 ? Int(st.st_size) : 0
  }
}
