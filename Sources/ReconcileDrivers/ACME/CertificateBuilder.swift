import CCrypto
import Foundation

/// Builds the DER CSR an ACME finalize needs and self-signed certificates (development, placeholders) with libcrypto.
public enum CertificateBuilder {
  /// A PKCS#10 request for `domains` (subject CN = first domain, every domain as a DNS SAN), DER encoded.
  public static func csr(domains: [String], key: PrivateKey) throws -> [UInt8] {
    guard let req = X509_REQ_new() else { throw CryptoError("could not allocate a CSR") }
    defer { X509_REQ_free(req) }
    X509_REQ_set_version(req, 0)
    let name = X509_REQ_get_subject_name(req)
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, domains[0], -1, -1, 0)
    X509_REQ_set_pubkey(req, key.pkey)
    let exts = rc_ext_stack_new()
    defer { rc_ext_stack_free(exts) }
    guard let san = X509V3_EXT_conf_nid(nil, nil, NID_subject_alt_name, sanList(domains)) else {
      throw CryptoError("could not encode the names \(domains.joined(separator: ", "))")
    }
    _ = rc_ext_stack_push(exts, san)
    X509_REQ_add_extensions(req, exts)
    guard X509_REQ_sign(req, key.pkey, EVP_sha256()) > 0 else { throw CryptoError("could not sign the CSR") }
    var out: UnsafeMutablePointer<UInt8>?
    let n = i2d_X509_REQ(req, &out)
    guard n > 0, let out else { throw CryptoError("could not encode the CSR") }
    defer { CRYPTO_free(out, #fileID, #line) }
    return Array(UnsafeBufferPointer(start: out, count: Int(n)))
  }

  /// A self-signed certificate for `domains`, valid from `notBefore` for `days`, as PEM.
  public static func selfSigned(domains: [String], key: PrivateKey, notBefore: Date, days: Int) throws -> String {
    guard let x = X509_new() else { throw CryptoError("could not allocate a certificate") }
    defer { X509_free(x) }
    X509_set_version(x, 2)
    var serial = [UInt8](repeating: 0, count: 8)
    RAND_bytes(&serial, 8)
    ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial.reduce(0) { $0 << 8 | UInt64($1) } & 0x7fff_ffff_ffff_ffff)
    var start = time_t(notBefore.timeIntervalSince1970)
    X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &start)
    X509_time_adj_ex(X509_getm_notAfter(x), Int32(days), 0, &start)
    X509_set_pubkey(x, key.pkey)
    let name = X509_get_subject_name(x)
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, domains[0], -1, -1, 0)
    X509_set_issuer_name(x, name)
    for (nid, value) in [(NID_subject_alt_name, sanList(domains)), (NID_basic_constraints, "critical,CA:FALSE"), (NID_ext_key_usage, "serverAuth")] {
      guard let ext = X509V3_EXT_conf_nid(nil, nil, nid, value) else { throw CryptoError("could not encode '\(value)'") }
      X509_add_ext(x, ext, -1)
      X509_EXTENSION_free(ext)
    }
    guard X509_sign(x, key.pkey, EVP_sha256()) > 0 else { throw CryptoError("could not sign the certificate") }
    let bio = MemoryBIO()
    PEM_write_bio_X509(bio.bio, x)
    return bio.string
  }

  static func sanList(_ domains: [String]) -> String { domains.map { "DNS:\($0)" }.joined(separator: ",") }
}

/// What a PEM certificate says about itself: names, validity and issuer (the first certificate of a chain).
public struct CertificateInfo: Sendable, Equatable {
  public var domains: [String]
  public var notBefore: Date
  public var notAfter: Date
  public var issuer: String
  public var selfSigned: Bool

  /// Parses the first certificate of `pem` with `PEM_read_bio_X509`.
  public init(pem: String) throws {
    let bio = try MemoryBIO(pem)
    guard let x = PEM_read_bio_X509(bio.bio, nil, nil, nil) else { throw CryptoError("not a PEM certificate") }
    defer { X509_free(x) }
    notBefore = Self.date(X509_get0_notBefore(x))
    notAfter = Self.date(X509_get0_notAfter(x))
    var buf = [CChar](repeating: 0, count: 512)
    X509_NAME_oneline(X509_get_issuer_name(x), &buf, 512)
    issuer = cText(buf)
    selfSigned = X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(x)) == 0
    var names: [String] = []
    if let sans = rc_x509_sans(x) {
      for i in 0..<rc_sans_count(sans) {
        var len: Int32 = 0
        if let p = rc_sans_dns(sans, i, &len) {
          names.append(p.withMemoryRebound(to: UInt8.self, capacity: Int(len)) { String(decoding: UnsafeBufferPointer(start: $0, count: Int(len)), as: UTF8.self) })
        }
      }
      rc_sans_free(sans)
    }
    domains = names
  }

  static func date(_ t: UnsafePointer<ASN1_TIME>?) -> Date {
    var tm = tm()
    guard let t, ASN1_TIME_to_tm(t, &tm) == 1 else { return .distantPast }
    return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
  }
}
