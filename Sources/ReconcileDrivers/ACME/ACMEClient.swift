import Foundation
import HTTPKit
import ReconcileCore
import Essentials

/// An RFC 8555 client: directory, nonces, account, order, HTTP-01 authorizations, finalize with a CSR, chain download.
/// Every request is a blocking libcurl call; polls have a deadline and never a fixed sleep before the first look.
public struct ACMEClient: Sendable {
  public var directoryURL: String
  public var accountKey: PrivateKey
  public var contact: String?
  public var http: HTTPClient
  /// How long to wait for authorizations and the order to become valid.
  public var deadlineSeconds: Double

  public init(directoryURL: String, accountKey: PrivateKey, contact: String?, caBundlePath: String? = nil, deadlineSeconds: Double = 60) {
    self.directoryURL = directoryURL
    self.accountKey = accountKey
    self.contact = contact
    self.http = HTTPClient(timeoutSeconds: 15, caBundlePath: caBundlePath)
    self.deadlineSeconds = deadlineSeconds
  }

  /// Where HTTP-01 answers go: called with (token, key authorization) before the challenge is triggered.
  public typealias Publish = @Sendable (_ token: String, _ keyAuthorization: String) throws -> Void

  /// Issues a certificate for `domains` signed over `csrKey`; returns the PEM chain (leaf first).
  /// Calls POST newAccount, newOrder, each authorization and challenge, finalize and the certificate URL.
  public func issue(domains: [String], csrKey: PrivateKey, publish: Publish, unpublish: @Sendable (String) -> Void) throws -> String {
    var session = try Session(client: self)
    let kid = try session.account()
    let (orderURL, order) = try session.post(session.directory("newOrder"), kid: kid, payload: ACMEJSON.encode(["identifiers": domains.map { ["type": "dns", "value": $0] }]))
    let orderLocation = try orderURL ?? { throw ACMEError("the ACME server answered newOrder without a Location") }()
    var tokens: [String] = []
    defer { tokens.forEach(unpublish) }
    for authzURL in order["authorizations"] as? [String] ?? [] {
      let (_, authz) = try session.post(authzURL, kid: kid, payload: "")
      if authz["status"] as? String == "valid" { continue }
      let challenges = authz["challenges"] as? [[String: Any]] ?? []
      guard let ch = challenges.first(where: { $0["type"] as? String == "http-01" }), let token = ch["token"] as? String, let url = ch["url"] as? String else {
        throw ACMEError("the ACME server offered no http-01 challenge for \(ACMEJSON.identifier(authz))")
      }
      try publish(token, "\(token).\(thumbprint)")
      tokens.append(token)
      _ = try session.post(url, kid: kid, payload: "{}")
      try session.poll(authzURL, kid: kid, until: "valid", what: "authorization of \(ACMEJSON.identifier(authz))")
    }
    let csr = try CertificateBuilder.csr(domains: domains, key: csrKey)
    guard let finalize = order["finalize"] as? String else { throw ACMEError("the order has no finalize URL") }
    _ = try session.post(finalize, kid: kid, payload: ACMEJSON.encode(["csr": Base64URL.encode(csr)]))
    let done = try session.poll(orderLocation, kid: kid, until: "valid", what: "order for \(domains.joined(separator: ", "))")
    guard let certURL = done["certificate"] as? String else { throw ACMEError("the valid order has no certificate URL") }
    let (_, _, chain) = try session.request(certURL, kid: kid, payload: "", accept: "application/pem-certificate-chain")
    return chain
  }

  /// RFC 7638 thumbprint of the account key.
  public var thumbprint: String {
    var h = SHA256()
    h.update(accountKey.jwk)
    return Base64URL.encode(h.finalize().bytes)
  }
}

/// One conversation with an ACME server: its directory and the current nonce.
struct Session {
  let client: ACMEClient
  var dir: [String: Any] = [:]
  var nonce: String?

  init(client: ACMEClient) throws {
    self.client = client
    let r = try client.http.send("GET", client.directoryURL)
    guard r.status == 200, let d = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any] else {
      throw ACMEError("GET \(client.directoryURL) answered \(r.status): \(r.text.prefix(300))")
    }
    dir = d
  }

  func directory(_ name: String) throws -> String {
    guard let u = dir[name] as? String else { throw ACMEError("the ACME directory \(client.directoryURL) has no '\(name)'") }
    return u
  }

  mutating func freshNonce() throws -> String {
    if let n = nonce {
      nonce = nil
      return n
    }
    let url = try directory("newNonce")
    let r = try client.http.send("HEAD", url)
    guard let n = r.headers["replay-nonce"] else { throw ACMEError("HEAD \(url) answered \(r.status) without a Replay-Nonce") }
    return n
  }

  /// Registers (or finds) the account for the key; returns its URL (the `kid`).
  mutating func account() throws -> String {
    var payload: [String: Any] = ["termsOfServiceAgreed": true]
    if let c = client.contact { payload["contact"] = ["mailto:\(c)"] }
    let (location, _) = try post(try directory("newAccount"), kid: nil, payload: ACMEJSON.encode(payload))
    guard let location else { throw ACMEError("the ACME server answered newAccount without a Location") }
    return location
  }

  /// A signed POST (payload "" is POST-as-GET) answering a JSON object.
  mutating func post(_ url: String, kid: String?, payload: String) throws -> (String?, [String: Any]) {
    let (location, _, text) = try request(url, kid: kid, payload: payload, accept: "application/json")
    let obj = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    return (location, obj)
  }

  /// Signs and sends; retries once per `badNonce` (RFC 8555 §6.5); a problem document becomes an `ACMEError`.
  mutating func request(_ url: String, kid: String?, payload: String, accept: String) throws -> (String?, Int, String) {
    for _ in 0..<5 {
      let n = try freshNonce()
      var header: [String: Any] = ["alg": client.accountKey.jwsAlgorithm, "nonce": n, "url": url]
      if let kid { header["kid"] = kid } else { header["jwk"] = "JWK" }
      var protected = ACMEJSON.encode(header)
      protected = protected.replacingOccurrences(of: #""JWK""#, with: client.accountKey.jwk)
      let signingInput = Base64URL.encode(protected) + "." + Base64URL.encode(payload)
      let sig = try client.accountKey.sign(Array(signingInput.utf8))
      let body = #"{"protected":"\#(Base64URL.encode(protected))","payload":"\#(Base64URL.encode(payload))","signature":"\#(Base64URL.encode(sig))"}"#
      let r = try client.http.send("POST", url, headers: [("Content-Type", "application/jose+json"), ("Accept", accept)], body: Array(body.utf8))
      nonce = r.headers["replay-nonce"]
      if r.status < 300 { return (r.headers["location"], r.status, r.text) }
      let problem = ACMEProblem(r.text)
      if problem.type.hasSuffix(":badNonce") { continue }
      throw ACMEError("POST \(url) answered \(r.status): \(problem)", retryable: r.status >= 500)
    }
    throw ACMEError("POST \(url): the server rejected 5 nonces in a row")
  }

  /// POST-as-GET `url` until its status is `until` (or `invalid`, which fails with the server's problem).
  @discardableResult
  mutating func poll(_ url: String, kid: String, until: String, what: String) throws -> [String: Any] {
    let deadline = Date().addingTimeInterval(client.deadlineSeconds)
    var delay: UInt32 = 20_000
    while true {
      let (_, obj) = try post(url, kid: kid, payload: "")
      let status = obj["status"] as? String ?? "?"
      if status == until { return obj }
      if status == "invalid" { throw ACMEError("the \(what) is invalid: \(ACMEJSON.problems(obj))") }
      if Date() > deadline { throw ACMEError("the \(what) is still '\(status)' after \(Int(client.deadlineSeconds))s", retryable: true) }
      usleep(delay)
      delay = min(delay * 2, 500_000)
    }
  }
}

/// An RFC 7807 problem document as the server sent it.
struct ACMEProblem: CustomStringConvertible {
  var type = ""
  var detail = ""
  var raw: String

  init(_ text: String) {
    raw = text
    if let o = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
      type = o["type"] as? String ?? ""
      detail = o["detail"] as? String ?? ""
      if let subs = o["subproblems"] as? [[String: Any]] {
        detail += subs.map { "; \($0["detail"] as? String ?? "")" }.joined()
      }
    }
  }

  var description: String { type.isEmpty ? String(raw.prefix(500)) : "\(type): \(detail)" }
}

/// An ACME failure, with the server's problem document when there is one.
public struct ACMEError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public var retryable: Bool

  init(_ d: String, retryable: Bool = false) {
    description = d
    self.retryable = retryable
  }
}

/// JSON helpers for ACME payloads (sorted keys, no escaped slashes).
enum ACMEJSON {
  static func encode(_ v: Any) -> String {
    let d = (try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    return String(decoding: d, as: UTF8.self)
  }

  static func identifier(_ authz: [String: Any]) -> String {
    ((authz["identifier"] as? [String: Any])?["value"] as? String).map { "'\($0)'" } ?? "(unknown identifier)"
  }

  /// The problems an invalid authorization or order carries (`error` of the object or of its challenges).
  static func problems(_ obj: [String: Any]) -> String {
    var out: [String] = []
    if let e = obj["error"] { out.append("\(ACMEProblem(encode(e)))") }
    for c in obj["challenges"] as? [[String: Any]] ?? [] {
      if let e = c["error"] { out.append("\(ACMEProblem(encode(e)))") }
    }
    return out.isEmpty ? encode(obj) : out.joined(separator: "; ")
  }
}
