import Foundation

/// Reads a file to its end by `read(2)`, into a buffer sized by the caller's hint and grown as needed: a `/proc` file
/// reports a size of 0, so nothing that trusts the size (Foundation's readers) sees its contents, and thousands of
/// small managed files are read without a `Data` or a fixed 64 KB buffer each.
public enum ProcFile {
  /// The file's bytes; nil when it cannot be opened or a read fails.
  public static func bytes(_ path: String, sizeHint: Int = 4096) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out = [UInt8](repeating: 0, count: max(sizeHint, 0) + 1)
    var used = 0
    while true {
      if used == out.count { out.append(contentsOf: repeatElement(0, count: max(out.count, 4096))) }
      let n = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + used, $0.count - used) }
      if n < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if n == 0 { break }
      used += n
    }
    out.removeLast(out.count - used)
    return out
  }

  public static func read(_ path: String) -> String? { bytes(path).map { String(decoding: $0, as: UTF8.self) } }
}
