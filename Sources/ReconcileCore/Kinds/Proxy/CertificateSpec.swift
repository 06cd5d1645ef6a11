import Foundation

/// `certificate`: a TLS certificate and its private key in a directory (`fullchain.pem`, `privkey.pem`, 0600),
/// issued by ACME, self-signed, or brought as files. Expiry is observed state: renewal is a finding.
public struct CertificateSpec: ResourceSpec {
  public let id: ResourceID
  public let domains: [String]
  public let keyType: String
  /// Renew when fewer than this many seconds of validity remain.
  public let renewBefore: Double
  /// Where `fullchain.pem` and `privkey.pem` live.
  public let directory: String
  public let issuer: CertificateIssuer

  public static let defaultRoot = "/etc/reconcile/certificates"
  public static let defaultRenewBefore: Double = 30 * 86400

  public init(id: ResourceID, domains: [String], keyType: String = "ecdsa-p256", renewBefore: Double = defaultRenewBefore, directory: String, issuer: CertificateIssuer) {
    self.id = id
    self.domains = domains
    self.keyType = keyType
    self.renewBefore = renewBefore
    self.directory = directory
    self.issuer = issuer
  }

  public var locator: [String: String] { ["directory": directory] }
  public var chainPath: String { directory + "/fullchain.pem" }
  public var keyPath: String { directory + "/privkey.pem" }

  public var attributes: [Attribute] {
    [Attribute("domains", domains.sorted().joined(separator: ",")), Attribute("keyType", keyType), Attribute("issuer", issuer.summary)]
  }

  /// Renewal and placeholder findings from the observed `notAfter` (seconds since 1970) against `now`.
  public func findings(observed: Observation, context: FindingContext) -> [Finding] {
    let now = context.now
    if observed.facts[.placeholder] == "true" {
      return [Finding(.certificate(.placeholder), effect: .update)]
    }
    if let bad = observed.facts[.unreadable] {
      return [Finding(.certificate(.unreadable(bad)), effect: .update)]
    }
    guard let raw = observed.facts[.notAfter], let notAfter = Double(raw) else { return [] }
    let left = notAfter - now.timeIntervalSince1970
    guard left < renewBefore else { return [] }
    let change = FieldChange(field: "notAfter", before: .value(Self.timestamp(notAfter)), after: .value("(renewed)"))
    if left <= 0 { return [Finding(.certificate(.expired(ago: -left)), effect: .update, change: change)] }
    return [Finding(.certificate(.expiring(left: left)), effect: .update, change: change)]
  }

  /// `12 days`, `1 day`, `5 hours`, `3 minutes`.
  static func span(_ seconds: Double) -> String {
    func plural(_ n: Int, _ unit: String) -> String { "\(n) \(unit)\(n == 1 ? "" : "s")" }
    if seconds >= 86400 { return plural(Int(seconds / 86400), "day") }
    if seconds >= 3600 { return plural(Int(seconds / 3600), "hour") }
    return plural(max(Int(seconds / 60), 0), "minute")
  }

  static func timestamp(_ t: Double) -> String {
    let f = ISO8601DateFormatter()
    f.timeZone = TimeZone(identifier: "UTC")
    return f.string(from: Date(timeIntervalSince1970: t))
  }

  public static let descriptor = KindDescriptor(name: "certificate") { id, r, _ in
    let domains = r.strings("domains") ?? []
    if r.object["domains"] != nil, domains.isEmpty { r.report("domains", "expected at least one domain name") }
    if r.object["domains"] == nil { r.report("domains", "is required") }
    for (i, d) in domains.enumerated() where !SiteNames.isDomain(d) {
      r.report("domains[\(i)]", "expected a DNS name like \"example.org\", got '\(d)'")
    }
    let keyType = r.choice("keyType", ["ecdsa-p256", "rsa-2048"]) ?? "ecdsa-p256"
    let renewBefore = r.duration("renewBefore") ?? defaultRenewBefore
    var directory = "\(defaultRoot)/\(id.name)"
    if let d = r.string("directory") {
      if d.hasPrefix("/") { directory = d } else { r.report("directory", "expected an absolute path, got '\(d)'") }
    }
    let issuer = CertificateIssuer.read(&r)
    if case .selfSigned(let days)? = issuer, Double(days) * 86400 <= renewBefore {
      // It would be due for renewal the moment it is made, and be made again on every plan.
      r.report("renewBefore", "a self-signed certificate valid \(days) days must renew less than \(days) days before it expires, got \(CertificateSpec.span(renewBefore))")
    }
    guard !domains.isEmpty, let issuer else { return nil }
    return CertificateSpec(id: id, domains: domains, keyType: keyType, renewBefore: renewBefore, directory: directory, issuer: issuer)
  }
}

/// Who signs a certificate.
public enum CertificateIssuer: Sendable, Hashable {
  /// RFC 8555 with HTTP-01 answered from `webroot` (served by the managed proxy, or by a built-in responder on `responderPort` while nothing listens there).
  case acme(directoryURL: String, email: String?, webroot: String, responderListen: String?, caBundle: String?)
  /// Development: a certificate signed by its own key, valid `days`.
  case selfSigned(days: Int)
  /// Bring your own: copied from these files and watched for expiry.
  case files(certificate: String, key: String)

  /// The canonical text the plan compares: `acme https://…/dir`, `self-signed`, `files /path`.
  public var summary: String {
    switch self {
    case .acme(let url, _, _, _, _): "acme \(url)"
    case .selfSigned: "self-signed"
    case .files(let cert, _): "files \(cert)"
    }
  }

  static func read(_ r: inout FieldReader) -> CertificateIssuer? {
    guard var o = r.object("issuer", required: true) else { return nil }
    defer { o.finish() }
    switch o.choice("type", ["acme", "self-signed", "files"]) {
    case "acme":
      let url = o.string("directory", required: true)
      let email = o.string("email")
      let webroot = o.string("webroot", required: true)
      let responder = o.string("responderListen")
      let ca = o.string("caBundle").map { o.resolvePath($0) }
      if let webroot, !webroot.hasPrefix("/") { o.report("webroot", "expected an absolute path, got '\(webroot)'") }
      if let url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) { o.report("directory", "expected an ACME directory URL, got '\(url)'") }
      guard let url, let webroot else { return nil }
      return .acme(directoryURL: url, email: email, webroot: webroot, responderListen: responder, caBundle: ca)
    case "self-signed":
      return .selfSigned(days: o.int("days", in: 1...3650) ?? 90)
    case "files":
      let cert = o.string("certificate", required: true).map { o.resolvePath($0) }
      let key = o.string("key", required: true).map { o.resolvePath($0) }
      guard let cert, let key else { return nil }
      return .files(certificate: cert, key: key)
    default:
      if o.object["type"] == nil { o.report("type", "is required: one of 'acme', 'self-signed', 'files'") }
      return nil
    }
  }
}
