import Foundation
import ReconcileCore
import Testing

@testable import ReconcileDrivers
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// The site and certificate drivers and the libcrypto layer, against real nginx and openssl.
@Suite(.serialized) struct ProxyDriverTests {
  static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/templates"

  static func tempDir() throws -> String {
    let d = NSTemporaryDirectory() + "reconcile-proxy-" + UUID().uuidString.prefix(8).lowercased()
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    chmod(d, 0o755)
    return d
  }

  static func run(_ argv: [String]) throws -> ProcessResult { try ProcessRunner.run(argv) }

  /// Decodes a manifest with the real decoder and the repository's templates, and returns its `site/web`.
  static func site(_ json: String, file: String) throws -> SiteSpec {
    let decoder = ManifestDecoder(registry: .builtIn, secrets: FixedSecrets([:]), context: DecodeContext(templates: TemplateDirectories([templates])))
    let m = try decoder.decode([ManifestSource(file: file, data: Data(json.utf8))])
    return try #require(m[ResourceID(kind: "site", name: "web")]?.spec as? SiteSpec)
  }

  @Test func aContainerUpstreamIsProxiedToThePortTheManifestsPublish() async throws {
    let dir = try Self.tempDir()
    let nginxPrefix = dir + "/nginx"
    defer {
      NginxServer(prefix: nginxPrefix).stop()
      try? FileManager.default.removeItem(atPath: dir)
    }
    let published = freePort(), listen = freePort()
    let json = """
      { "apiVersion": "reconcile/v1", "variables": { "julesPort": "\(published)" }, "resources": [
        { "kind": "container", "name": "jules", "image": "local/jules:1", "ports": ["127.0.0.1:${var.julesPort}:3001"] },
        { "kind": "site", "name": "web", "prefix": "\(nginxPrefix)", "serverNames": ["web.test"], "listen": "127.0.0.1:\(listen)",
          "routes": [ { "path": "/jules/", "upstream": "container/jules:3001", "stripPrefix": true } ] } ] }
      """
    try json.write(toFile: dir + "/m.json", atomically: true, encoding: .utf8)
    let spec = try Self.site(json, file: dir + "/m.json")
    #expect(spec.implicitDependencies == [ResourceID(kind: "container", name: "jules")])
    #expect(spec.config.value.contains("proxy_pass http://127.0.0.1:\(published)/;"))

    // The container's published port, played by a plain HTTP server on the host.
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")  // not a shim that would outlive terminate()
    python.arguments = ["-m", "http.server", "--bind", "127.0.0.1", "--directory", dir, "\(published)"]
    python.standardOutput = FileHandle.nullDevice
    python.standardError = FileHandle.nullDevice
    try python.run()
    defer { kill(python.processIdentifier, SIGKILL) }  // SIGTERM may be blocked in the mask a child inherits here

    let driver = SiteDriver()
    let target = ObserveTarget(id: spec.id, locator: spec.locator, spec: spec)
    #expect(try await driver.observe([target])[spec.id] == .absent)
    try await driver.perform(Step(id: spec.id, action: .create, why: [], changes: [], desired: spec, prior: nil))
    let deadline = Date().addingTimeInterval(10)
    var answer = ""
    while Date() < deadline {
      answer = (try? Self.run(["curl", "-sS", "--max-time", "2", "-H", "Host: web.test", "http://127.0.0.1:\(listen)/jules/m.json"]))?.output ?? ""
      if answer.contains("julesPort") { break }
      usleep(50_000)
    }
    #expect(answer.contains("\"julesPort\""), "nginx proxies /jules/ to the container's published port: \(answer)")
    let observed = try await driver.observe([target])[spec.id]
    #expect(observed?.attributes["config"] == spec.config.value)
    #expect(spec.findings(observed: observed ?? .absent, context: FindingContext(now: Date())).isEmpty)
  }

  @Test func csrCarriesEveryNameAndVerifies() throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for type in [PrivateKey.KeyType.ecdsaP256, .rsa2048] {
      let key = try PrivateKey.generate(type)
      #expect(key.type == type)
      #expect(try PrivateKey(pem: key.pem).jwk == key.jwk)
      let der = try CertificateBuilder.csr(domains: ["a.test", "b.test"], key: key)
      try Data(der).write(to: URL(fileURLWithPath: dir + "/csr.der"))
      let r = try Self.run(["openssl", "req", "-inform", "DER", "-in", dir + "/csr.der", "-noout", "-verify", "-text"])
      #expect(r.status == 0 && r.output.contains("verify OK") || r.output.contains("Certificate request self-signature verify OK"), "\(r.output)")
      #expect(r.output.contains("DNS:a.test, DNS:b.test"))
    }
  }

  @Test func selfSignedCertificatesParseBack() throws {
    let key = try PrivateKey.generate(.ecdsaP256)
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let pem = try CertificateBuilder.selfSigned(domains: ["x.test", "y.test"], key: key, notBefore: start, days: 10)
    let info = try CertificateInfo(pem: pem)
    #expect(info.domains == ["x.test", "y.test"])
    #expect(info.notBefore == start)
    #expect(info.notAfter == start.addingTimeInterval(10 * 86400))
    #expect(info.selfSigned)
    #expect(throws: CryptoError.self) { try CertificateInfo(pem: "not a certificate") }
  }

  @Test func es256SignaturesVerifyWithOpenSSL() throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let key = try PrivateKey.generate(.ecdsaP256)
    let message = Array("header.payload".utf8)
    let raw = try key.sign(message)
    #expect(raw.count == 64)
    // Back to DER (SEQUENCE of two INTEGERs) so openssl can check the JWS form.
    func integer(_ b: [UInt8]) -> [UInt8] {
      var v = Array(b.drop { $0 == 0 })
      if v.isEmpty { v = [0] }
      if v[0] & 0x80 != 0 { v.insert(0, at: 0) }
      return [0x02, UInt8(v.count)] + v
    }
    let body = integer(Array(raw[0..<32])) + integer(Array(raw[32..<64]))
    try Data([0x30, UInt8(body.count)] + body).write(to: URL(fileURLWithPath: dir + "/sig"))
    try Data(message).write(to: URL(fileURLWithPath: dir + "/msg"))
    try key.pem.write(toFile: dir + "/key.pem", atomically: true, encoding: .utf8)
    _ = try Self.run(["openssl", "pkey", "-in", dir + "/key.pem", "-pubout", "-out", dir + "/pub.pem"])
    let r = try Self.run(["openssl", "dgst", "-sha256", "-verify", dir + "/pub.pem", "-signature", dir + "/sig", dir + "/msg"])
    #expect(r.output.contains("Verified OK"), "\(r.output)")
  }

  @Test func filesIssuerCopiesYourFilesAndRefusesOnesAboutToExpire() async throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    func make(_ days: Int) throws {
      let r = try Self.run([
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/own.key", "-out", dir + "/own.crt", "-subj", "/CN=own.test",
        "-addext", "subjectAltName=DNS:own.test", "-days", "\(days)",
      ])
      try #require(r.status == 0, "\(r.output)")
    }
    let spec = CertificateSpec(
      id: ResourceID(kind: "certificate", name: "own"), domains: ["own.test"], keyType: "rsa-2048", directory: dir + "/cert",
      issuer: .files(certificate: dir + "/own.crt", key: dir + "/own.key"))
    let driver = CertificateDriver()
    let target = ObserveTarget(id: spec.id, locator: spec.locator, spec: spec)
    try make(10)
    await #expect(throws: OperationError.self) {
      try await driver.perform(Step(id: spec.id, action: .create, why: [], changes: [], desired: spec, prior: nil))
    }
    do {
      try await driver.perform(Step(id: spec.id, action: .create, why: [], changes: [], desired: spec, prior: nil))
    } catch let e as OperationError {
      #expect(e.description.hasPrefix("could not create certificate/own: the certificate '\(dir)/own.crt' expires "))
      #expect(e.description.hasSuffix("and an issuer of type 'files' cannot renew it: replace the file"))
    }
    try make(90)
    try await driver.perform(Step(id: spec.id, action: .create, why: [], changes: [], desired: spec, prior: nil))
    let observed = try #require(try await driver.observe([target])[spec.id])
    #expect(observed.attributes == ["domains": "own.test", "keyType": "rsa-2048", "issuer": "files \(dir)/own.crt"])
    #expect(spec.findings(observed: observed, context: FindingContext(now: Date())).isEmpty)
    #expect(spec.findings(observed: observed, context: FindingContext(now: Date().addingTimeInterval(70 * 86400))).map(\.reason) == ["renew: expires in 19 days"])
  }
}
