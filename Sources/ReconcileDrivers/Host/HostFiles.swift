import CCrypto
import Foundation
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// Small file operations the host kinds share: atomic writes with a mode, reads, digests.
enum HostFiles {
  /// Writes `data` to a temp file beside `path`, fsyncs, sets `mode` and renames it over `path`; creates the directory.
  static func write(_ data: Data, to path: String, mode: mode_t) throws {
    let dir = (path as NSString).deletingLastPathComponent
    do {
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    } catch {
      throw OperationError(doing: "create the directory '\(dir)'", error.localizedDescription)
    }
    let tmp = "\(dir)/.\((path as NSString).lastPathComponent).tmp-\(getpid())"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw OperationError(doing: "open '\(tmp)'", cause: .io(path: tmp, errno: errno, call: nil)) }
    var ok = data.withUnsafeBytes { buf -> Bool in
      var off = 0
      while off < buf.count {
        let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
        if n <= 0 { return false }
        off += n
      }
      return true
    }
    ok = ok && fchmod(fd, mode) == 0 && fsync(fd) == 0
    let err = errno
    close(fd)
    guard ok, rename(tmp, path) == 0 else {
      unlink(tmp)
      throw OperationError(doing: "write '\(path)'", cause: .io(path: path, errno: ok ? errno : err, call: nil))
    }
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

  /// SHA-256 of a file, streamed through OpenSSL's EVP interface.
  static func sha256(of path: String) throws -> String {
    guard let h = FileHandle(forReadingAtPath: path) else { throw OperationError(doing: "open '\(path)' to compute its checksum") }
    defer { try? h.close() }
    guard let ctx = EVP_MD_CTX_new() else { throw OperationError(doing: "compute the checksum of '\(path)'", "EVP_MD_CTX_new failed") }
    defer { EVP_MD_CTX_free(ctx) }
    EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
    while true {
      let chunk = h.readData(ofLength: 1 << 20)
      if chunk.isEmpty { break }
      _ = chunk.withUnsafeBytes { EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
    }
    var out = [UInt8](repeating: 0, count: 32)
    var n: UInt32 = 0
    EVP_DigestFinal_ex(ctx, &out, &n)
    return out.map { String(format: "%02x", $0) }.joined()
  }

  /// The file's modification time, when it exists.
  static func modified(_ path: String) -> Date? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
  }
}
