import Foundation
import Testing
import TestSupport

/// The real binary, a real nginx and Debian's pebble: first issuance and renewal over HTTP-01 through the managed
/// nginx's webroot (the site starts on a placeholder, the certificate is issued, nginx reloads), in one apply each.
@Suite(.serialized) struct ProxyACMETests {
  static func manifest(_ h: CLIHarness, pebble: PebbleServer, http: Int, https: Int, renewBefore: String) throws {
    try h.manifest(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "certificate", "name": "web", "domains": ["web.test"], "directory": "HOST/certs/web", "renewBefore": "\(renewBefore)",
          "issuer": { "type": "acme", "directory": "\(pebble.directoryURL)", "email": "ops@web.test", "webroot": "HOST/acme",
                      "caBundle": "\(pebble.caBundle)" } },
        { "kind": "site", "name": "web", "prefix": "HOST/nginx", "serverNames": ["web.test"], "listen": "127.0.0.1:\(http)", "acmeWebroot": "HOST/acme",
          "tls": { "certificate": "web", "listen": "127.0.0.1:\(https)" }, "root": "HOST/www" } ] }
      """)
  }

  static func servedSerial(_ https: Int) -> String {
    ProxyTest.run(["sh", "-c", "openssl s_client -connect 127.0.0.1:\(https) -servername web.test </dev/null 2>/dev/null | openssl x509 -noout -serial"]).text
  }

  @Test func pebbleIssuesRenewsThroughTheNginxWebrootAndASecondApplyDoesNothing() throws {
    let h = try CLIHarness()
    let http = freePort(), https = freePort()
    let pebble = try PebbleServer(dir: h.root + "/pebble", httpPort: http)
    defer {
      ProxyTest.stopNginx(h.host + "/nginx")
      pebble.stop()
      h.cleanup()
    }
    chmod(h.root, 0o755)
    chmod(h.host, 0o755)
    try FileManager.default.createDirectory(atPath: h.host + "/www", withIntermediateDirectories: true)
    try "issued\n".write(toFile: h.host + "/www/index.html", atomically: true, encoding: .utf8)
    try Self.manifest(h, pebble: pebble, http: http, https: https, renewBefore: "30d")
    let first = try h.run(["apply", "--auto-approve", "--templates", ProxyTest.templates])
    #expect(first.status == 0, "\(first.all)")
    #expect(first.stdout.contains("then refresh site/web: reload nginx at \(h.host)/nginx"), "\(first.all)")
    #expect(first.stdout.contains("Plan: 2 to add, 0 to change, 0 to replace, 0 to destroy, 1 to refresh."), "\(first.all)")
    let sitePos = first.stdout.range(of: "+ site/web")?.lowerBound, certPos = first.stdout.range(of: "+ certificate/web")?.lowerBound
    #expect(sitePos != nil && certPos != nil && sitePos! < certPos!, "the site starts first, on a placeholder: \(first.all)")
    #expect((h.read(h.host + "/nginx/logs/access.log") ?? "").contains("GET /.well-known/acme-challenge/"), "pebble validated through nginx")
    let root = try pebble.rootCA()
    let ok = ProxyTest.curl("https://web.test:\(https)/", resolve: "web.test:\(https):127.0.0.1", cacert: root)
    #expect(ok.status == 0 && ok.text.contains("HTTP/2 200") && ok.text.contains("issued"), "\(ok.text)")
    let wrongName = ProxyTest.curl("https://other.test:\(https)/", resolve: "other.test:\(https):127.0.0.1", cacert: root)
    #expect(wrongName.status != 0, "the served certificate must not be valid for another name")
    #expect(ProxyTest.run(["openssl", "x509", "-in", h.host + "/certs/web/fullchain.pem", "-noout", "-issuer"]).text.contains("Pebble Intermediate CA"))
    #expect(h.mode(h.host + "/certs/web/account.key") == "0600")
    #expect(h.mode(h.host + "/certs/web/live/privkey.pem") == "0600")

    // Renewal: renewBefore longer than pebble's validity; nginx is running, so HTTP-01 goes through its webroot.
    let serialBefore = Self.servedSerial(https)
    try Self.manifest(h, pebble: pebble, http: http, https: https, renewBefore: "2000d")
    let plan = try h.run(["plan", "--templates", ProxyTest.templates])
    #expect(plan.stdout.contains("~ certificate/web (renew: expires in 18"), "\(plan.all)")
    #expect(plan.stdout.contains("then refresh site/web: reload nginx at"), "\(plan.all)")
    #expect(!plan.stdout.contains("~ site/web"), "the site itself does not change: \(plan.all)")
    let renew = try h.run(["apply", "--auto-approve", "--templates", ProxyTest.templates])
    #expect(renew.status == 0, "\(renew.all)")
    #expect((h.read(h.host + "/nginx/logs/access.log") ?? "").contains("GET /.well-known/acme-challenge/"))
    let serialAfter = Self.servedSerial(https)
    #expect(serialAfter.hasPrefix("serial=") && serialAfter != serialBefore, "nginx serves the renewed certificate")

    // Idempotence: nothing to issue, nothing to reload.
    try Self.manifest(h, pebble: pebble, http: http, https: https, renewBefore: "30d")
    let issued = (h.read(pebble.dir + "/pebble.log") ?? "").components(separatedBy: "Issued certificate").count
    let reloads = (h.read(h.host + "/nginx/logs/error.log") ?? "").components(separatedBy: "reconfiguring").count
    let again = try h.run(["apply", "--auto-approve", "--templates", ProxyTest.templates])
    #expect(again.stdout.contains("No changes."), "\(again.all)")
    #expect((h.read(pebble.dir + "/pebble.log") ?? "").components(separatedBy: "Issued certificate").count == issued)
    #expect((h.read(h.host + "/nginx/logs/error.log") ?? "").components(separatedBy: "reconfiguring").count == reloads)
  }

  /// A harness with pebble validating HTTP-01 on a free port, and a manifest of one ACME certificate.
  static func withPebble(certificate name: String, extra: String = "", issuer: String = "", _ body: (CLIHarness, PebbleServer) throws -> Void) throws {
    let h = try CLIHarness()
    let http = freePort()
    let pebble = try PebbleServer(dir: h.root + "/pebble", httpPort: http)
    defer {
      pebble.stop()
      h.cleanup()
    }
    try h.manifest(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "certificate", "name": "\(name)", "domains": ["\(name).test"], "directory": "HOST/certs/\(name)"\(extra),
          "issuer": { "type": "acme", "directory": "\(pebble.directoryURL)", "webroot": "HOST/acme", "caBundle": "\(pebble.caBundle)"\(
            issuer.replacingOccurrences(of: "HTTP_PORT", with: "\(http)")) } } ] }
      """)
    try body(h, pebble)
  }

  @Test func theBuiltInResponderAnswersWhenNoSiteServesTheWebroot() throws {
    try Self.withPebble(certificate: "api", extra: #", "keyType": "rsa-2048""#, issuer: #", "responderListen": "127.0.0.1:HTTP_PORT""#) { h, _ in
      let r = try h.run(["apply", "--auto-approve"])
      #expect(r.status == 0, "\(r.all)")
      let text = ProxyTest.run(["openssl", "x509", "-in", h.host + "/certs/api/fullchain.pem", "-noout", "-issuer", "-ext", "subjectAltName"]).text
      #expect(text.contains("Pebble Intermediate CA") && text.contains("DNS:api.test"), "\(text)")
      #expect(ProxyTest.run(["openssl", "pkey", "-in", h.host + "/certs/api/privkey.pem", "-noout", "-text"]).text.contains("2048 bit"))
      #expect(try h.run(["plan", "--detailed-exitcode"]).status == 0, "idempotent")
    }
  }

  @Test func aFailedChallengeSurfacesTheServersProblemDocument() throws {
    try Self.withPebble(certificate: "web") { h, _ in
      let r = try h.run(["apply", "--auto-approve"])
      #expect(r.status == 1)
      #expect(r.all.contains("could not create certificate/web: the authorization of 'web.test' is invalid: urn:ietf:params:acme:error:connection"), "\(r.all)")
      #expect(h.exists(h.host + "/certs/web/fullchain.pem"), "a placeholder lets the proxy start before the first issuance")
      let plan = try h.run(["plan"])
      #expect(plan.stdout.contains("certificate/web (issue: only a placeholder certificate is in place)"), "\(plan.all)")
    }
  }
}
