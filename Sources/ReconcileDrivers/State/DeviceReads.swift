import Foundation

extension FileManager {
  /// Reads at most `maxBytes` from the start of a file (for devices such as /dev/urandom).
  func contents(atPath path: String, maxBytes: Int) -> Data? {
    guard let h = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? h.close() }
    guard let d = try? h.read(upToCount: maxBytes), d.count == maxBytes else { return nil }
    return d
  }
}
