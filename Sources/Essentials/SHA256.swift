import CCrypto

/// SHA-256 (FIPS 180-4): the one digest of reconcile and jules (plan fingerprints, state records, build contexts,
/// backups, webhook signatures, Jules notes). libcrypto's implementation, its context held by value: a copy of a
/// running hash is an independent hash, and nothing is allocated. Pure computation: Core may use it.
public struct SHA256: @unchecked Sendable {
  private var context = SHA256_CTX()

  public init() { rc_sha256_init(&context) }

  public mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { rc_sha256_update(&context, $0.baseAddress, $0.count) }
  }

  public mutating func update(_ bytes: UnsafeRawBufferPointer) { rc_sha256_update(&context, bytes.baseAddress, bytes.count) }

  public mutating func update(_ text: String) {
    var text = text
    text.withUTF8 { rc_sha256_update(&context, $0.baseAddress, $0.count) }
  }

  /// The digest; the hash is spent afterwards.
  public mutating func finalize() -> Digest {
    var out = [UInt8](repeating: 0, count: 32)
    rc_sha256_final(&context, &out)
    return Digest(bytes: out)
  }

  public struct Digest: Sendable, Hashable {
    public let bytes: [UInt8]
    public var hex: String { Hex.encode(bytes) }
  }

  public static func hash(_ text: String) -> Digest {
    var s = SHA256()
    s.update(text)
    return s.finalize()
  }
}

extension SHA256 {
  /// The digest of raw bytes.
  public static func hash(bytes: [UInt8]) -> Digest {
    var s = SHA256()
    s.update(bytes)
    return s.finalize()
  }
}

/// Lower-case hexadecimal.
public enum Hex {
  public static func encode(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes { out += [digits[Int(b >> 4)], digits[Int(b & 0xf)]] }
    return String(decoding: out, as: UTF8.self)
  }
}
