import CCrypto
import Foundation

/// Digests, HMAC and constant-time comparison from libcrypto.
public enum Crypto {
  /// HMAC-SHA256 of `data` keyed by `key`, as lower-case hex.
  public static func hmacSHA256Hex(key: [UInt8], data: [UInt8]) -> String {
    var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var len: UInt32 = 0
    key.withUnsafeBufferPointer { k in
      data.withUnsafeBufferPointer { d in
        _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress, d.count, &out, &len)
      }
    }
    return hex(Array(out.prefix(Int(len))))
  }

  public static func sha256Hex(_ data: [UInt8]) -> String {
    var out = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
    data.withUnsafeBufferPointer { _ = SHA256($0.baseAddress, $0.count, &out) }
    return hex(out)
  }

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

  /// Compares two secrets in time that depends only on their lengths, not their contents.
  public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    // Hash both first so the comparison length is fixed and the length of the secret is not leaked.
    let hx = sha1(x), hy = sha1(y)
    return CRYPTO_memcmp(hx, hy, hx.count) == 0 && x.count == y.count
  }

  public static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var s = [UInt8]()
    s.reserveCapacity(bytes.count * 2)
    for b in bytes {
      s.append(digits[Int(b >> 4)])
      s.append(digits[Int(b & 0xf)])
    }
    return String(decoding: s, as: UTF8.self)
  }
}
