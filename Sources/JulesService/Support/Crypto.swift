import CCrypto
import Foundation

/// What jules needs from libcrypto beyond Essentials: SHA-1 for the WebSocket handshake and random bytes.
public enum Crypto {
  public static func sha1(_ data: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
    data.withUnsafeBufferPointer { _ = SHA1($0.baseAddress, $0.count, &out) }
    return out
  }

  public static func randomBytes(_ count: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    _ = RAND_bytes(&out, Int32(count))
    return out
  }
}
