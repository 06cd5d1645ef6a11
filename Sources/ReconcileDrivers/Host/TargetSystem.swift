import Foundation
import ReconcileCore

/// The system a unit is installed into: this host under a root directory, or another system reached through a
/// command prefix (`docker exec NAME`). Reads and writes its files and runs `systemctl` there.
struct TargetSystem: Sendable {
  let target: SystemdTarget

  init(_ target: SystemdTarget) { self.target = target }

  var isRemote: Bool { !target.commandPrefix.isEmpty }

  /// The path of `path` (inside the target) as seen from here; only meaningful when not remote.
  func local(_ path: String) -> String { target.root == "/" ? path : target.root + path }

  /// Whether systemd is PID 1 of the target (`/run/systemd/system` exists, as `sd_booted` checks). Never for a root directory.
  func systemdIsRunning() -> Bool {
    if isRemote { return (try? run(["test", "-d", "/run/systemd/system"]).status) == 0 }
    return target.root == "/" && FileManager.default.fileExists(atPath: "/run/systemd/system")
  }

  /// Runs `argv` in the target (through the command prefix when there is one).
  func run(_ argv: [String]) throws -> ProcessResult {
    try ProcessRunner.run(target.commandPrefix + argv)
  }

  /// `systemctl ARGS`, live when systemd runs the target, otherwise offline with `--root`.
  func systemctl(_ args: [String], live: Bool) throws -> ProcessResult {
    try run(["systemctl"] + (live ? [] : ["--root=\(target.root)"]) + args)
  }

  /// The file's text, or nil when it does not exist.
  func read(_ path: String) throws -> String? {
    guard isRemote else {
      guard let data = FileManager.default.contents(atPath: local(path)) else { return nil }
      return String(decoding: data, as: UTF8.self)
    }
    let r = try run(["sh", "-c", "if [ -f \"$1\" ]; then base64 \"$1\"; else echo absent; exit 3; fi", "sh", path])
    if r.status == 3 { return nil }
    guard r.status == 0, let data = Data(base64Encoded: r.output.filter { !$0.isWhitespace }) else { throw r.failure(doing: "read '\(path)'") }
    return String(decoding: data, as: UTF8.self)
  }

  /// Writes the file atomically with `mode`, creating its directory. Secrets in `content` are never shown in errors.
  func write(_ path: String, _ content: String, mode: Int = 0o644, redactor: Redactor = Redactor(secrets: [])) throws {
    guard isRemote else {
      let p = local(path)
      try HostFiles.write(Data(content.utf8), to: p, mode: mode_t(mode), createDirectory: true)
      return
    }
    let b64 = Data(content.utf8).base64EncodedString()
    let script = "mkdir -p \"$(dirname \"$2\")\" && printf %s \"$1\" | base64 -d > \"$2.tmp\" && chmod \(String(mode, radix: 8)) \"$2.tmp\" && mv \"$2.tmp\" \"$2\""
    let r = try run(["sh", "-c", script, "sh", b64, path])
    guard r.status == 0 else {
      var shown = r
      shown.argv = target.commandPrefix + ["sh", "-c", script, "sh", "(\(content.utf8.count) bytes, base64)", path]
      throw shown.failure(doing: "write '\(path)'", redactor: redactor)
    }
  }

  /// Removes a file (or an empty directory); absent is fine.
  func remove(_ path: String) throws {
    guard isRemote else {
      let p = local(path)
      guard unlink(p) == 0 || errno == ENOENT else {
        if errno == EISDIR, rmdir(p) == 0 || errno == ENOTEMPTY { return }
        throw OperationError(doing: "remove '\(p)'", cause: .io(path: p, errno: errno, call: nil))
      }
      return
    }
    let r = try run(["sh", "-c", "rm -f \"$1\" 2>/dev/null || rmdir \"$1\" 2>/dev/null || true", "sh", path])
    guard r.status == 0 else { throw r.failure(doing: "remove '\(path)'") }
  }

  /// Removes an empty directory; a directory that still holds files is left as it is.
  func removeEmptyDirectory(_ path: String) {
    if isRemote {
      _ = try? run(["rmdir", path])
    } else {
      rmdir(local(path))
    }
  }
}
