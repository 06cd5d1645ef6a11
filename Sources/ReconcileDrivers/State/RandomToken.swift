import Foundation

/// Random bytes from the kernel (`/dev/urandom`).
public enum RandomToken {
  /// `count` random bytes as lower-case hex, or nil when the kernel would not give them.
  public static func hex(bytes count: Int) -> String? {
    FileManager.default.contents(atPath: "/dev/urandom", maxBytes: count).map { $0.map { String(format: "%02x", $0) }.joined() }
  }
}
