import Foundation
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// Durable file replacement: temp file, fsync, rename, fsync of the directory.
enum AtomicFile {
  static func write(_ data: Data, to path: String, mode: mode_t = 0o600) throws {
    let dir = (path as NSString).deletingLastPathComponent
    let temp = "\(path).tmp-\(getpid())"
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw OperationError(doing: "write '\(path)'", cause: .io(path: path, errno: errno, call: "open")) }
    var ok = false
    defer {
      if !ok { unlink(temp) }
    }
    let written = data.withUnsafeBytes { buf -> Bool in
      var off = 0
      while off < buf.count {
        let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
        if n <= 0 { return false }
        off += n
      }
      return true
    }
    let synced = written && fsync(fd) == 0
    close(fd)
    guard synced else { throw OperationError(doing: "write '\(path)'", cause: .io(path: path, errno: errno, call: nil)) }
    guard rename(temp, path) == 0 else { throw OperationError(doing: "write '\(path)'", cause: .io(path: path, errno: errno, call: "rename")) }
    ok = true
    syncDirectory(dir)
  }

  static func syncDirectory(_ dir: String) {
    let d = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if d >= 0 {
      fsync(d)
      close(d)
    }
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
}

extension FileManager {
  /// Reads at most `maxBytes` from the start of a file (for devices such as /dev/urandom).
  func contents(atPath path: String, maxBytes: Int) -> Data? {
    guard let h = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? h.close() }
    guard let d = try? h.read(upToCount: maxBytes), d.count == maxBytes else { return nil }
    return d
  }
}
