import Foundation
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// A server's configuration as numbered generation directories under `PREFIX/generations/`, with `PREFIX/live`
/// a symlink to the one in force. A new generation is staged beside the old, validated, and made live with one
/// `rename(2)` of the symlink, so readers see either the old files or the new ones, never a mix.
struct ConfigGenerations {
  let prefix: String

  var live: String { prefix + "/live" }
  var root: String { prefix + "/generations" }

  /// The live generation's directory, if any.
  var current: String? {
    guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: live) else { return nil }
    return target.hasPrefix("/") ? target : prefix + "/" + target
  }

  /// Copies the live generation (or nothing) into a new directory and returns it.
  func stage() throws -> String {
    let fm = FileManager.default
    try makeDirectory(root)
    let numbers = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).compactMap { Int($0) }
    let next = "\(root)/\((numbers.max() ?? 0) + 1)"
    if let cur = current, fm.fileExists(atPath: cur) {
      do { try fm.copyItem(atPath: cur, toPath: next) } catch { throw OperationError(doing: "stage '\(next)' from '\(cur)'", error.localizedDescription) }
    } else {
      try makeDirectory(next + "/sites")
    }
    return next
  }

  /// Points `live` at `generation` atomically (symlink to a temp name, then rename over `live`).
  func activate(_ generation: String) throws {
    let temp = "\(live).tmp-\(getpid())"
    unlink(temp)
    let relative = "generations/" + (generation as NSString).lastPathComponent
    guard symlink(relative, temp) == 0 else { throw OperationError(doing: "link '\(temp)'", cause: .io(path: temp, errno: errno, call: nil)) }
    guard rename(temp, live) == 0 else { throw OperationError(doing: "make '\(generation)' live", cause: .io(path: generation, errno: errno, call: "rename")) }
  }

  /// Removes generations older than the newest `keep`, never the live one.
  func prune(keep: Int = 3) {
    let fm = FileManager.default
    let numbers = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).compactMap { Int($0) }.sorted()
    let liveName = current.map { ($0 as NSString).lastPathComponent }
    for n in numbers.dropLast(keep) where "\(n)" != liveName { try? fm.removeItem(atPath: "\(root)/\(n)") }
  }

  func discard(_ generation: String) { try? FileManager.default.removeItem(atPath: generation) }

  /// One configuration change, never live broken: stages a generation, lets `prepare` fill and validate it, makes
  /// it live and lets `load` put it in force. On any failure the previous generation is live again and the staged
  /// one is gone; the running server kept its configuration (`load` only succeeds once the server took the new one).
  func change(prepare: (String) throws -> Void, load: (String) throws -> Void) throws {
    let previous = current
    let staged = try stage()
    do {
      try prepare(staged)
    } catch {
      discard(staged)
      throw error
    }
    do {
      try activate(staged)
      try load(staged)
    } catch {
      if let previous { try? activate(previous) } else { unlink(live) }
      discard(staged)
      throw error
    }
    prune()
  }

  func makeDirectory(_ path: String) throws {
    do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
      throw OperationError(doing: "create '\(path)'", error.localizedDescription)
    }
  }
}

/// An exclusive `flock` on `PREFIX/lock` so two steps never change one server's configuration at once.
final class PrefixLock {
  let fd: Int32

  init(_ prefix: String) throws {
    try FileManager.default.createDirectory(atPath: prefix, withIntermediateDirectories: true)
    fd = open(prefix + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw OperationError(doing: "open '\(prefix)/lock'", cause: .io(path: "\(prefix)/lock", errno: errno, call: nil)) }
    flock(fd, LOCK_EX)
  }

  deinit {
    flock(fd, LOCK_UN)
    close(fd)
  }
}

/// Writes a file through a temp file and rename.
enum FileOut {
  static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws {
    let temp = "\(path).tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: temp, contents: Data(text.utf8), attributes: [.posixPermissions: Int(mode)]) else {
      throw OperationError(doing: "write '\(path)'", cause: .io(path: path, errno: errno, call: nil))
    }
    guard rename(temp, path) == 0 else {
      unlink(temp)
      throw OperationError(doing: "write '\(path)'", cause: .io(path: path, errno: errno, call: "rename"))
    }
  }

  static func read(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
  }
}
