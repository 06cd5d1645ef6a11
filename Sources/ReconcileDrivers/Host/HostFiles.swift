import Essentials
import Foundation
import HostSystems
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// Small file operations the drivers share: durable writes with a mode (`AtomicWrite`), reads, appends, digests.
enum HostFiles {
  /// Replaces `path` with `data` durably (`AtomicWrite`: temp file, fsync, rename, fsync of the directory), with
  /// `mode`; creates the directory first when `createDirectory`.
  static func write(_ data: some Collection<UInt8>, to path: String, mode: mode_t, createDirectory: Bool = false) throws {
    if createDirectory {
      let dir = PathText.parent(path)
      do {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      } catch {
        throw OperationError(doing: "create the directory '\(dir)'", error.localizedDescription)
      }
    }
    do { try AtomicWrite.write(data, to: path, AtomicWrite.Options(mode: mode)) } catch {
      throw OperationError(doing: "write '\(path)'", cause: .io(path: path, errno: error.errno, call: error.call))
    }
  }

  /// Replaces `path` with `text` durably, with `mode`.
  static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws {
    try write(Array(text.utf8), to: path, mode: mode)
  }

  /// Appends one line and flushes it to the kernel (it survives the process being killed).
  static func appendLine(_ line: Data, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw OperationError(doing: "append to '\(path)'", cause: .io(path: path, errno: errno, call: nil)) }
    defer { close(fd) }
    var bytes = line
    bytes.append(0x0A)
    let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    guard n == bytes.count else { throw OperationError(doing: "append to '\(path)'", cause: .io(path: path, errno: errno, call: nil)) }
  }

  static func read(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
  }

  static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  /// Removes a file; absent is fine.
  static func remove(_ path: String) throws {
    guard unlink(path) == 0 || errno == ENOENT else {
      throw OperationError(doing: "remove '\(path)'", cause: .io(path: path, errno: errno, call: nil))
    }
  }

  /// SHA-256 of a file, streamed in 1 MiB chunks (backup archives can be large).
  static func sha256(of path: String) throws -> String {
    guard let h = FileHandle(forReadingAtPath: path) else { throw OperationError(doing: "open '\(path)' to compute its checksum") }
    defer { try? h.close() }
    var digest = SHA256()
    while true {
      let chunk = h.readData(ofLength: 1 << 20)
      if chunk.isEmpty { break }
      chunk.withUnsafeBytes { digest.update($0) }
    }
    return digest.finalize().hex
  }

  /// The file's modification time, when it exists.
  static func modified(_ path: String) -> Date? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
  }
}
