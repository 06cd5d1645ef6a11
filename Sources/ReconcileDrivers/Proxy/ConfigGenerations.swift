import Foundation
import HostSystems
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// A server's configuration as numbered generation directories under `PREFIX/generations/`, with `PREFIX/live`
/// a symlink to the one in force (`Generations`). A change stages a copy of the live generation, lets the server
/// validate it and makes it live, so readers see either the old files or the new ones, never a mix.
struct ConfigGenerations {
  let prefix: String

  var generations: Generations { Generations(directory: prefix, folder: "generations") }
  var live: String { generations.live }
  /// The live generation's directory, if any.
  var current: String? { generations.current }

  /// An exclusive `flock` on `PREFIX/lock` so two steps never change one server's configuration at once; waits for it.
  func lock() throws -> FileLock {
    try makeDirectory(prefix)
    do {
      let lock = try FileLock(path: prefix + "/lock")
      try lock.lock()
      return lock
    } catch {
      throw OperationError(doing: "open '\(error.path)'", cause: .io(path: error.path, errno: error.errno, call: nil))
    }
  }

  /// Copies the live generation (or nothing) into a new directory and returns it.
  func stage() throws -> String {
    let fm = FileManager.default
    try makeDirectory(generations.root)
    let next = generations.next
    if let cur = current, fm.fileExists(atPath: cur) {
      do { try fm.copyItem(atPath: cur, toPath: next) } catch { throw OperationError(doing: "stage '\(next)' from '\(cur)'", error.localizedDescription) }
    } else {
      try makeDirectory(next + "/sites")
    }
    return next
  }

  /// Points `live` at `generation` atomically.
  func activate(_ generation: String) throws {
    do { try generations.activate(generation) } catch {
      if error.call == "symlink" { throw OperationError(doing: "link '\(error.path)'", cause: .io(path: error.path, errno: error.errno, call: nil)) }
      throw OperationError(doing: "make '\(generation)' live", cause: .io(path: generation, errno: error.errno, call: "rename"))
    }
  }

  func discard(_ generation: String) { try? FileManager.default.removeItem(atPath: generation) }

  /// One configuration change, never live broken: stages a generation, lets `prepare` fill and validate it, makes
  /// it live and lets `load` put it in force. On any failure the previous generation is live again and the staged
  /// one is gone; the running server kept its configuration (`load` only succeeds once the server took the new one).
  /// Keeps the newest three generations.
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
    generations.prune(keep: 3)
  }

  func makeDirectory(_ path: String) throws {
    do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
      throw OperationError(doing: "create '\(path)'", error.localizedDescription)
    }
  }
}
