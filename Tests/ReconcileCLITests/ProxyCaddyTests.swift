import Foundation
import Testing
import TestSupport

/// The real binary against a real Caddy: load through the admin API; a rejected configuration keeps the old one.
@Suite(.serialized) struct ProxyCaddyTests {
  @Test func caddyServesThroughTheAdminAPIAndKeepsTheOldConfigurationOnRejection() throws {
    let h = try CLIHarness()
    let admin = freePort(), http = freePort(), https = freePort()
    defer {
      _ = ProxyTest.run(["curl", "-sS", "-X", "POST", "http://127.0.0.1:\(admin)/stop"])
      h.cleanup()
    }
    try FileManager.default.createDirectory(atPath: h.host + "/www", withIntermediateDirectories: true)
    try "caddy\n".write(toFile: h.host + "/www/index.html", atomically: true, encoding: .utf8)
    func manifest(_ listen: Int) throws {
      try h.manifest(
        """
        { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "certificate", "name": "web", "domains": ["web.test"], "directory": "HOST/certs/web", "issuer": { "type": "self-signed" } },
        { "kind": "site", "name": "web", "server": "caddy", "admin": "127.0.0.1:\(admin)", "prefix": "HOST/caddy", "serverNames": ["web.test"],
          "listen": "127.0.0.1:\(listen)", "tls": { "certificate": "web", "listen": "127.0.0.1:\(https)", "directory": "HOST/certs/web" },
          "root": "HOST/www", "spa": true } ] }
        """)
    }
    try manifest(http)
    let first = try h.run(["apply", "--auto-approve", "--templates", ProxyTest.templates])
    #expect(first.status == 0, "\(first.all)")
    func get() -> ProxyTest.Output {
      ProxyTest.curl("https://web.test:\(https)/deep/link", resolve: "web.test:\(https):127.0.0.1", cacert: h.host + "/certs/web/fullchain.pem")
    }
    let ok = get()
    #expect(ok.text.contains("HTTP/1.1 200") || ok.text.contains("HTTP/2 200"), "\(ok.text)")
    #expect(ok.text.contains("caddy\n"))
    #expect(ok.text.lowercased().contains("strict-transport-security: max-age=31536000"))
    let redirect = ProxyTest.curl("http://web.test:\(http)/x", resolve: "web.test:\(http):127.0.0.1")
    #expect(redirect.text.contains("301") && redirect.text.contains("https://web.test:\(https)/x"), "\(redirect.text)")
    #expect(try h.run(["apply", "--auto-approve", "--templates", ProxyTest.templates]).stdout.contains("No changes."))

    // A configuration loaded behind reconcile's back (through the admin API) is observed and replaced by the live one.
    let live = ((try FileManager.default.destinationOfSymbolicLink(atPath: h.host + "/caddy/live")) as NSString).lastPathComponent
    let other = "{\n\tadmin 127.0.0.1:\(admin)\n}\n:\(http) {\n\trespond \"other\"\n}\n"
    let load = ProxyTest.run(["curl", "-sS", "-X", "POST", "-H", "Content-Type: text/caddyfile", "--data-binary", other, "http://127.0.0.1:\(admin)/load"])
    #expect(load.status == 0, "\(load.text)")
    let drift = try h.run(["plan", "--templates", ProxyTest.templates])
    #expect(drift.stdout.contains("~ site/web (reload: caddy at '\(h.host)/caddy' serves a configuration that is not the live generation \(live))"), "\(drift.all)")
    #expect(try h.run(["apply", "--auto-approve", "--templates", ProxyTest.templates]).status == 0)
    #expect(get().text.contains("caddy\n"))
    #expect(try h.run(["plan", "--templates", ProxyTest.templates]).stdout.contains("No changes."))

    let overrides = h.root + "/overrides/caddy"
    try FileManager.default.createDirectory(atPath: overrides, withIntermediateDirectories: true)
    let body = try String(contentsOfFile: ProxyTest.templates + "/caddy/site-body.mustache", encoding: .utf8)
    try (body + "\tbogus_directive on\n").write(toFile: overrides + "/site-body.mustache", atomically: true, encoding: .utf8)
    let bad = try h.run(["apply", "--auto-approve", "--templates", h.root + "/overrides", "--templates", ProxyTest.templates])
    #expect(bad.status == 1)
    #expect(bad.all.contains("could not update site/web: the new Caddy configuration does not validate: `caddy validate"), "\(bad.all)")
    #expect(bad.all.contains("bogus_directive"))
    #expect(get().text.contains("caddy\n"), "the old configuration keeps serving")

    // A configuration Caddy validates but cannot start (its port is taken): POST /load refuses it atomically.
    let busy = freePort()
    let holder = ProxyTest.occupy(busy)
    defer { close(holder) }
    try manifest(busy)
    let refused = try h.run(["apply", "--auto-approve", "--templates", ProxyTest.templates])
    #expect(refused.status == 1)
    #expect(refused.all.contains("POST http://127.0.0.1:\(admin)/load and keeps the previous configuration"), "\(refused.all)")
    #expect(refused.all.contains("address already in use"), "\(refused.all)")
    #expect(get().text.contains("caddy\n"), "the old configuration keeps serving")
  }
}
