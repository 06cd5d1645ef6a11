import Foundation
import ReconcileCore

/// Observes and issues `certificate` resources: ACME (RFC 8555, HTTP-01), self-signed, or files brought by the user.
public struct CertificateDriver: KindDriver {
  public init() {}

  public var kinds: [String] { ["certificate"] }

  /// Reads each certificate's live chain and key: names, expiry (`notAfter`), key type, issuer, placeholder.
  public func observe(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    var out: [ResourceID: Observation] = [:]
    for t in targets {
      guard let dir = t.locator["directory"] else { continue }
      let store = CertificateStore(directory: dir)
      guard let chain = HostFiles.read(store.chainPath) else {
        out[t.id] = .absent
        continue
      }
      var attrs: [String: String] = [:]
      var facts: [Fact: String] = [:]
      attrs["issuer"] = HostFiles.read(store.issuerFile)?.trimmingCharacters(in: .whitespacesAndNewlines)
      if let info = try? CertificateInfo(pem: chain) {
        attrs["domains"] = info.domains.sorted().joined(separator: ",")
        facts[.notAfter] = String(Int(info.notAfter.timeIntervalSince1970))
        facts[.issuerName] = info.issuer
      } else {
        facts[.unreadable] = "'\(store.chainPath)' holds no PEM certificate"
      }
      if let key = store.liveKey() {
        attrs["keyType"] = key.type.rawValue
      } else {
        facts[.unreadable] = "'\(store.keyPath)' holds no private key"
      }
      if store.isPlaceholder {
        // A placeholder stands for no certificate yet: its names and issuer are not compared, the finding says 'issue'.
        facts[.placeholder] = "true"
        for a in t.spec?.attributes ?? [] { attrs[a.name] = a.value }
      }
      out[t.id] = Observation(exists: true, attributes: attrs, facts: facts)
    }
    return out
  }

  /// Issues (or copies) a certificate and swaps it in. The servers that use it reload as the plan's refreshes.
  public func perform(_ step: Step) async throws {
    let what = "\(step.action.rawValue) \(step.id)"
    if step.action == .destroy || step.action == .replace, let old = step.prior?.locator["directory"], old != step.desired?.locator["directory"] {
      try? FileManager.default.removeItem(atPath: old)
    }
    guard step.action != .destroy else { return }
    guard let spec = step.desired as? CertificateSpec else { throw OperationError(doing: step.action.rawValue, of: step.id, cause: .failed("the step carries no certificate")) }
    let store = CertificateStore(directory: spec.directory)
    do {
      try issue(spec, store: store, what: what)
    } catch let e as ACMEError {
      throw OperationError(doing: step.action.rawValue, of: step.id, cause: .failed(e.description), retryable: e.retryable)
    } catch let e as CryptoError {
      throw OperationError(doing: step.action.rawValue, of: step.id, cause: .failed(e.description))
    } catch let e as OperationError {
      throw e.within(step.action.rawValue, of: step.id)
    } catch {
      // No answer from the ACME server (connection refused, timeout): worth trying again later.
      throw OperationError(doing: step.action.rawValue, of: step.id, cause: .failed("\(error)"), retryable: true)
    }
  }

  func issue(_ spec: CertificateSpec, store: CertificateStore, what: String) throws {
    let keyType = PrivateKey.KeyType(rawValue: spec.keyType) ?? .ecdsaP256
    let summary = spec.issuer.summary
    switch spec.issuer {
    case .selfSigned(let days):
      let key = try PrivateKey.generate(keyType)
      let pem = try CertificateBuilder.selfSigned(domains: spec.domains, key: key, notBefore: Date().addingTimeInterval(-60), days: days)
      try store.install(chain: pem, key: key.pem, issuer: summary)
    case .files(let certFile, let keyFile):
      guard let chain = HostFiles.read(certFile) else { throw OperationError("cannot read the certificate file '\(certFile)'") }
      guard let keyText = HostFiles.read(keyFile), (try? PrivateKey(pem: keyText)) != nil else { throw OperationError("cannot read a private key from '\(keyFile)'") }
      let info = try CertificateInfo(pem: chain)
      if info.notAfter.timeIntervalSinceNow < spec.renewBefore {
        throw OperationError("the certificate '\(certFile)' expires \(info.notAfter) and an issuer of type 'files' cannot renew it: replace the file")
      }
      try store.install(chain: chain, key: keyText, issuer: summary)
    case .acme(let url, let email, let webroot, let responderListen, let caBundle):
      if HostFiles.read(store.chainPath) == nil { try store.installPlaceholder(domains: spec.domains, keyType: keyType, issuer: summary) }
      let accountKey = try accountKey(store)
      var responder: ChallengeResponder?
      if let listen = responderListen, !ChallengeResponder.isListening(listen) {
        responder = try ChallengeResponder(listen: listen, webroot: webroot)
      }
      defer { responder?.stop() }
      let client = ACMEClient(directoryURL: url, accountKey: accountKey, contact: email, caBundlePath: caBundle)
      let key = try PrivateKey.generate(keyType)
      let challengeDir = webroot + "/.well-known/acme-challenge"
      let chain = try client.issue(
        domains: spec.domains, csrKey: key,
        publish: { token, auth in
          try FileManager.default.createDirectory(atPath: challengeDir, withIntermediateDirectories: true)
          try HostFiles.write(auth, to: "\(challengeDir)/\(token)")
        },
        unpublish: { token in try? FileManager.default.removeItem(atPath: "\(challengeDir)/\(token)") })
      try store.install(chain: chain, key: key.pem, issuer: summary)
    }
  }

  /// The ACME account key (`account.key`, 0600), created on first use.
  func accountKey(_ store: CertificateStore) throws -> PrivateKey {
    let path = store.directory + "/account.key"
    if let text = HostFiles.read(path) { return try PrivateKey(pem: text) }
    let key = try PrivateKey.generate(.ecdsaP256)
    try HostFiles.write(key.pem, to: path, mode: 0o600)
    return key
  }
}
