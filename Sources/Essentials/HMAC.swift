/// HMAC-SHA-256 (RFC 2104): the keyed hash the state keeps instead of a secret, and the signature of webhooks.
public struct HMACSHA256: Sendable {
  let key: [UInt8]

  public init(key: [UInt8]) {
    self.key = key.count > 64 ? SHA256.hash(bytes: key).bytes : key
  }

  public func mac(_ message: String) -> String { mac(bytes: Array(message.utf8)) }

  /// HMAC-SHA-256 of raw bytes, as lower-case hex.
  public func mac(bytes message: [UInt8]) -> String {
    let block = key + [UInt8](repeating: 0, count: 64 - key.count)
    var inner = SHA256()
    inner.update(block.map { $0 ^ 0x36 })
    inner.update(message)
    var outer = SHA256()
    outer.update(block.map { $0 ^ 0x5c })
    outer.update(inner.finalize().bytes)
    return outer.finalize().hex
  }
}

/// Comparison of secrets (tokens, signatures) in time that depends on neither their contents nor the length of the
/// secret: both sides are hashed first, so the bytes compared always number 32.
public enum ConstantTime {
  public static func equal(_ a: String, _ b: String) -> Bool {
    let x = SHA256.hash(bytes: Array(a.utf8)).bytes, y = SHA256.hash(bytes: Array(b.utf8)).bytes
    var diff: UInt8 = 0
    for i in 0..<x.count { diff |= x[i] ^ y[i] }
    return diff == 0 && a.utf8.count == b.utf8.count
  }
}
