import CCrypto
import Foundation

/// An asymmetric private key held by libcrypto (ECDSA P-256 or RSA), for ACME accounts, certificates and CSRs.
public final class PrivateKey: @unchecked Sendable {
  public enum KeyType: String, Sendable {
    case ecdsaP256 = "ecdsa-p256"
    case rsa2048 = "rsa-2048"
  }

  let pkey: OpaquePointer

  init(owning pkey: OpaquePointer) { self.pkey = pkey }
  deinit { EVP_PKEY_free(pkey) }

  /// Generates a new key with `EVP_PKEY_keygen`.
  public static func generate(_ type: KeyType) throws -> PrivateKey {
    let ctx = EVP_PKEY_CTX_new_id(type == .rsa2048 ? EVP_PKEY_RSA : EVP_PKEY_EC, nil)
    defer { EVP_PKEY_CTX_free(ctx) }
    guard let ctx, EVP_PKEY_keygen_init(ctx) == 1 else { throw CryptoError("could not start generating a \(type.rawValue) key") }
    switch type {
    case .ecdsaP256: guard EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_X9_62_prime256v1) == 1 else { throw CryptoError("could not select curve P-256") }
    case .rsa2048: guard EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1 else { throw CryptoError("could not select 2048 RSA bits") }
    }
    var out: OpaquePointer?
    guard EVP_PKEY_keygen(ctx, &out) == 1, let out else { throw CryptoError("could not generate a \(type.rawValue) key") }
    return PrivateKey(owning: out)
  }

  /// Parses a PEM private key (PKCS#8 or traditional).
  public convenience init(pem: String) throws {
    let bio = try MemoryBIO(pem)
    guard let k = PEM_read_bio_PrivateKey(bio.bio, nil, nil, nil) else { throw CryptoError("not a PEM private key") }
    self.init(owning: k)
  }

  public var type: KeyType { EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA ? .rsa2048 : .ecdsaP256 }

  /// The key as PKCS#8 PEM.
  public var pem: String {
    let bio = MemoryBIO()
    PEM_write_bio_PrivateKey(bio.bio, pkey, nil, nil, 0, nil, nil)
    return bio.string
  }

  /// The public key as a JWK with members in the lexicographic order RFC 7638 thumbprints need.
  public var jwk: String {
    if type == .rsa2048 {
      return #"{"e":"\#(Base64URL.encode(bignum("e", width: 0)))","kty":"RSA","n":"\#(Base64URL.encode(bignum("n", width: 0)))"}"#
    }
    let x = Base64URL.encode(bignum("qx", width: 32)), y = Base64URL.encode(bignum("qy", width: 32))
    return #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
  }

  /// The JWS algorithm of this key: `ES256` or `RS256`.
  public var jwsAlgorithm: String { type == .rsa2048 ? "RS256" : "ES256" }

  func bignum(_ name: String, width: Int32) -> [UInt8] {
    var bn: OpaquePointer?
    guard EVP_PKEY_get_bn_param(pkey, name, &bn) == 1, let bn else { return [] }
    defer { BN_free(bn) }
    let n = width > 0 ? width : (BN_num_bits(bn) + 7) / 8
    var out = [UInt8](repeating: 0, count: Int(n))
    _ = BN_bn2binpad(bn, &out, n)
    return out
  }

  /// Signs with SHA-256 (`EVP_DigestSign`); ECDSA signatures come back as JWS needs them (r‖s, 64 bytes).
  public func sign(_ message: [UInt8]) throws -> [UInt8] {
    guard let md = EVP_MD_CTX_new() else { throw CryptoError("could not allocate a digest context") }
    defer { EVP_MD_CTX_free(md) }
    guard EVP_DigestSignInit(md, nil, EVP_sha256(), nil, pkey) == 1 else { throw CryptoError("could not start signing") }
    var len = 0
    guard EVP_DigestSign(md, nil, &len, message, message.count) == 1 else { throw CryptoError("could not size the signature") }
    var sig = [UInt8](repeating: 0, count: len)
    guard EVP_DigestSign(md, &sig, &len, message, message.count) == 1 else { throw CryptoError("could not sign") }
    sig = Array(sig.prefix(len))
    guard type == .ecdsaP256 else { return sig }
    var p: UnsafePointer<UInt8>? = sig.withUnsafeBufferPointer { $0.baseAddress }
    return try sig.withUnsafeBufferPointer { buf -> [UInt8] in
      p = buf.baseAddress
      guard let ecdsa = d2i_ECDSA_SIG(nil, &p, buf.count) else { throw CryptoError("could not parse the ECDSA signature") }
      defer { ECDSA_SIG_free(ecdsa) }
      var r = [UInt8](repeating: 0, count: 32), s = [UInt8](repeating: 0, count: 32)
      _ = BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), &r, 32)
      _ = BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), &s, 32)
      return r + s
    }
  }
}

/// A failure inside libcrypto, with OpenSSL's own error queue appended.
public struct CryptoError: Error, CustomStringConvertible, Sendable {
  public var description: String

  init(_ what: String) {
    var reasons: [String] = []
    while case let code = ERR_get_error(), code != 0 {
      var buf = [CChar](repeating: 0, count: 256)
      ERR_error_string_n(code, &buf, buf.count)
      reasons.append(cText(buf))
    }
    description = reasons.isEmpty ? what : "\(what): \(reasons.joined(separator: "; "))"
  }
}

/// A libcrypto memory BIO.
final class MemoryBIO {
  let bio: OpaquePointer

  init() { bio = BIO_new(BIO_s_mem()) }

  init(_ text: String) throws {
    guard let b = BIO_new(BIO_s_mem()) else { throw CryptoError("could not allocate a BIO") }
    bio = b
    let bytes = Array(text.utf8)
    _ = BIO_write(bio, bytes, Int32(bytes.count))
  }

  deinit { BIO_free(bio) }

  var bytes: [UInt8] {
    var p: UnsafeMutablePointer<CChar>?
    let n = rc_bio_mem_data(bio, &p)
    guard let p, n > 0 else { return [] }
    return p.withMemoryRebound(to: UInt8.self, capacity: n) { Array(UnsafeBufferPointer(start: $0, count: n)) }
  }

  var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// Base64 with the URL alphabet and no padding (RFC 7515).
public enum Base64URL {
  public static func encode(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
  }

  public static func encode(_ text: String) -> String { encode(Array(text.utf8)) }
}

/// A NUL-terminated C buffer as text.
func cText(_ buf: [CChar]) -> String {
  String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
