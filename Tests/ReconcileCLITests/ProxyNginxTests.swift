import Foundation
import Testing
import TestSupport

/// The real binary against a real nginx on high ports: serving, never live broken, drift, idempotence.
@Suite(.serialized) struct ProxyNginxTests {
  struct Sandbox {
    let h: CLIHarness
    let http = freePort()
    let https = freePort()
    let upstream = freePort()
    var prefix: String { h.host + "/nginx" }
    var args: [String] { ["--templates", ProxyTest.templates] }

    init() throws {
      h = try CLIHarness()
      try FileManager.default.createDirectory(atPath: h.host + "/www", withIntermediateDirectories: true)
      try "<h1>spa</h1>\n".write(toFile: h.host + "/www/index.html", atomically: true, encoding: .utf8)
      chmod(h.root, 0o755)
      chmod(h.host, 0o755)
    }

    func manifest(listen: Int? = nil) throws {
      try h.manifest(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "certificate", "name": "web", "domains": ["web.test"], "directory": "HOST/certs/web", "issuer": { "type": "self-signed", "days": 30 }, "renewBefore": "1d" },
          { "kind": "site", "name": "web", "prefix": "HOST/nginx", "serverNames": ["web.test"], "listen": "127.0.0.1:\(listen ?? http)",
            "tls": { "certificate": "web", "listen": "127.0.0.1:\(https)", "directory": "HOST/certs/web" },
            "routes": [ { "path": "/api/", "upstream": "127.0.0.1:\(upstream)", "websocket": true } ],
            "root": "HOST/www", "spa": true, "rateLimit": { "rate": "100r/s", "burst": 50 },
            "headers": { "Content-Security-Policy": "default-src 'self'; img-src 'self' data:", "Cache-Control": "public, max-age=60", "X-Frame-Options": "DENY" } } ] }
        """)
    }

    func apply(_ extra: [String] = []) throws -> CLIHarness.Result { try h.run(["apply", "--auto-approve"] + args + extra) }

    /// Applies the manifest (listening on `listen`) and returns the generation `live` points at.
    func appliedGeneration(listen: Int? = nil) throws -> String {
      try manifest(listen: listen)
      #expect(try apply().status == 0)
      return try FileManager.default.destinationOfSymbolicLink(atPath: prefix + "/live")
    }

    func get(_ path: String) -> ProxyTest.Output {
      ProxyTest.curl("https://web.test:\(https)\(path)", resolve: "web.test:\(https):127.0.0.1", cacert: h.host + "/certs/web/fullchain.pem")
    }

    func cleanup() {
      ProxyTest.stopNginx(prefix)
      h.cleanup()
    }
  }

  @Test func servesTLSRoutesAndSPAThenASecondApplyDoesNothing() throws {
    let s = try Sandbox()
    defer { s.cleanup() }
    let echo = ProxyTest.echoUpstream(port: s.upstream, log: s.h.root + "/echo.log")
    defer { kill(echo.processIdentifier, SIGKILL) }  // SIGTERM may be blocked in the mask a child inherits here
    try s.manifest()
    let first = try s.apply()
    #expect(first.status == 0, "\(first.all)")
    // HTTP/2 over TLS (curl asks for it by ALPN), with the site's own headers beside the defaults it keeps.
    let api = s.get("/api/hello")
    #expect(api.text.contains("HTTP/2 200"), "\(api.text)")
    #expect(api.text.lowercased().contains("content-security-policy: default-src 'self'; img-src 'self' data:"), "\(api.text)")
    #expect(api.text.lowercased().contains("cache-control: public, max-age=60"), "\(api.text)")
    #expect(api.text.lowercased().contains("x-frame-options: deny") && !api.text.lowercased().contains("x-frame-options: sameorigin"), "\(api.text)")
    #expect(api.text.lowercased().contains("x-content-type-options: nosniff"), "\(api.text)")
    #expect(api.text.contains("path=/api/hello"))
    #expect(api.text.contains("X-Real-IP: 127.0.0.1"))
    #expect(api.text.contains("X-Forwarded-For: 127.0.0.1"))
    #expect(api.text.contains("X-Forwarded-Proto: https"))
    #expect(api.text.lowercased().contains("strict-transport-security: max-age=31536000"))
    let spa = s.get("/some/client/route")
    #expect(spa.text.contains("HTTP/2 200") && spa.text.contains("<h1>spa</h1>"))
    let redirect = ProxyTest.curl("http://web.test:\(s.http)/x?y=1", resolve: "web.test:\(s.http):127.0.0.1")
    #expect(redirect.text.contains("301") && redirect.text.contains("Location: https://web.test:\(s.https)/x?y=1"))
    let ws = ProxyTest.curl(
      "https://web.test:\(s.https)/api/ws", resolve: "web.test:\(s.https):127.0.0.1", cacert: s.h.host + "/certs/web/fullchain.pem",
      extra: ["--http1.1", "-H", "Upgrade: websocket", "-H", "Connection: Upgrade"])
    #expect(ws.text.contains("Upgrade: websocket") && ws.text.contains("Connection: upgrade"), "\(ws.text)")

    let log = s.prefix + "/logs/error.log"
    let reloadsBefore = (s.h.read(log) ?? "").components(separatedBy: "reconfiguring").count
    let certBefore = s.h.read(s.h.host + "/certs/web/fullchain.pem")
    let second = try s.apply()
    #expect(second.status == 0)
    #expect(second.stdout.contains("No changes."), "\(second.all)")
    #expect((s.h.read(log) ?? "").components(separatedBy: "reconfiguring").count == reloadsBefore)
    #expect(s.h.read(s.h.host + "/certs/web/fullchain.pem") == certBefore)
    #expect(s.h.mode(s.h.host + "/certs/web/live/privkey.pem") == "0600")
  }

  @Test func aConfigurationNginxRejectsLeavesTheOldOneServing() throws {
    let s = try Sandbox()
    defer { s.cleanup() }
    try s.manifest()
    #expect(try s.apply().status == 0)
    let before = s.get("/page")
    #expect(before.text.contains("<h1>spa</h1>"))
    let live = try FileManager.default.destinationOfSymbolicLink(atPath: s.prefix + "/live")

    let overrides = s.h.root + "/overrides/nginx"
    try FileManager.default.createDirectory(atPath: overrides, withIntermediateDirectories: true)
    let body = try String(contentsOfFile: ProxyTest.templates + "/nginx/site-body.mustache", encoding: .utf8)
    try (body + "    bogus_directive on;\n").write(toFile: overrides + "/site-body.mustache", atomically: true, encoding: .utf8)
    let bad = try s.h.run(["apply", "--auto-approve", "--templates", s.h.root + "/overrides", "--templates", ProxyTest.templates])
    #expect(bad.status == 1)
    #expect(bad.all.contains("could not update site/web: the new nginx configuration does not validate: `nginx -t"), "\(bad.all)")
    #expect(bad.all.contains("exited with status 1:\n    nginx: [emerg] unknown directive \"bogus_directive\""), "\(bad.all)")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: s.prefix + "/live") == live)
    let after = s.get("/page")
    #expect(after.text.contains("HTTP/2 200") && after.text.contains("<h1>spa</h1>"))
  }

  @Test func aReloadOnABusyPortIsDetectedAndRolledBack() throws {
    let s = try Sandbox()
    defer { s.cleanup() }
    let live = try s.appliedGeneration()
    let busy = freePort()
    let holder = ProxyTest.occupy(busy)
    defer { close(holder) }
    try s.manifest(listen: busy)
    let r = try s.apply()
    #expect(r.status == 1)
    #expect(r.all.contains("rejected the reload and keeps serving the previous configuration"), "\(r.all)")
    #expect(r.all.contains("bind() to 127.0.0.1:\(busy) failed"), "\(r.all)")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: s.prefix + "/live") == live)
    #expect(s.get("/page").text.contains("<h1>spa</h1>"))
    let redirect = ProxyTest.curl("http://web.test:\(s.http)/x", resolve: "web.test:\(s.http):127.0.0.1")
    #expect(redirect.text.contains("301"), "the old configuration keeps listening on the old port")
  }

  /// nginx left serving another generation than the live one (a run killed between the swap and the reload) is
  /// observed through nginx's own answer, planned as a reload and repaired.
  @Test func aGenerationMadeLiveButNeverLoadedIsObservedAndReloaded() throws {
    let s = try Sandbox()
    defer { s.cleanup() }
    let first = try s.appliedGeneration()
    let moved = freePort()
    let second = try s.appliedGeneration(listen: moved)
    // Back to the first generation in nginx, the second left live on disk: what a kill between swap and reload leaves.
    let pid = try #require(pid_t((s.h.read(s.prefix + "/run/nginx.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
    try FileManager.default.removeItem(atPath: s.prefix + "/live")
    try FileManager.default.createSymbolicLink(atPath: s.prefix + "/live", withDestinationPath: first)
    let n1 = (first as NSString).lastPathComponent, n2 = (second as NSString).lastPathComponent
    let status = { ProxyTest.run(["curl", "-sS", "--unix-socket", s.prefix + "/run/status.sock", "http://x/reconcile/generation"]).text }
    let oldWorker = try #require(pid_t(status().split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
    kill(pid, SIGHUP)
    // Until the second generation's worker is gone, either configuration may answer: wait for it to go.
    #expect(eventually(within: 20) { kill(oldWorker, 0) != 0 && status().hasPrefix("\(n1) ") })
    try FileManager.default.removeItem(atPath: s.prefix + "/live")
    try FileManager.default.createSymbolicLink(atPath: s.prefix + "/live", withDestinationPath: second)

    let plan = try s.h.run(["plan"] + s.args)
    #expect(
      plan.stdout.contains("~ site/web (reload: nginx at '\(s.prefix)' serves generation \(n1), not the live generation \(n2))"),
      "\(plan.all)\nstatus: \(status())")
    let repair = try s.apply()
    #expect(repair.status == 0 && repair.stdout.contains("site/web: updated"), "\(repair.all)")
    #expect(
      ProxyTest.curl("http://127.0.0.1:\(moved)/").text.contains("301"),
      "nginx serves the manifests' port: \(repair.all)\nstatus: \(status())\nerror.log:\n\(s.h.read(s.prefix + "/logs/error.log") ?? "")")
    #expect(try s.h.run(["plan"] + s.args).stdout.contains("No changes."))
  }

  @Test func aHandEditIsDriftAndApplyRevertsIt() throws {
    let s = try Sandbox()
    defer { s.cleanup() }
    try s.manifest()
    #expect(try s.apply().status == 0)
    let file = s.prefix + "/live/sites/web.conf"
    let good = try #require(s.h.read(file))
    try good.replacingOccurrences(of: "client_max_body_size 10m;", with: "client_max_body_size 1g;").write(toFile: file, atomically: true, encoding: .utf8)
    let drift = try s.h.run(["drift"] + s.args)
    #expect(drift.status == 2)
    #expect(drift.stdout.contains("site/web"), "\(drift.all)")
    let fix = try s.apply()
    #expect(fix.status == 0 && fix.stdout.contains("site/web: updated"), "\(fix.all)")
    #expect(s.h.read(file) == good)
    #expect(try s.apply().stdout.contains("No changes."))
  }

  /// Pruning the server's last site stops the server; its webroot, holding only the ACME challenge directory
  /// reconcile made, is removed with it.
  @Test func pruningTheLastSiteStopsItsServerAndFreesTheWebroot() throws {
    let s = try Sandbox()
    defer { s.cleanup() }
    try s.h.manifest(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "directory", "name": "acme", "path": "HOST/acme" },
        { "kind": "site", "name": "plain", "prefix": "HOST/nginx", "serverNames": ["web.test"], "listen": "127.0.0.1:\(s.http)", "root": "HOST/www",
          "acmeWebroot": "HOST/acme" } ] }
      """)
    #expect(try s.apply().status == 0)
    let pid = try #require(pid_t((s.h.read(s.prefix + "/run/nginx.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
    try FileManager.default.createDirectory(atPath: s.h.host + "/acme/.well-known/acme-challenge", withIntermediateDirectories: true)
    try s.h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
    let prune = try s.apply()
    #expect(prune.status == 0, "\(prune.all)")
    #expect(eventually(within: 10) { kill(pid, 0) != 0 || ProxyTest.isZombie(pid) }, "nginx still runs without a site")
    #expect(ProxyTest.curl("http://127.0.0.1:\(s.http)/").status != 0)
    #expect(!s.h.exists(s.h.host + "/acme"))
  }

  @Test func aStoppedServerIsStartedWithTheManagedConfiguration() throws {
    let s = try Sandbox()
    defer { s.cleanup() }
    try s.manifest()
    #expect(try s.apply().status == 0)
    ProxyTest.stopNginx(s.prefix)
    #expect(s.get("/").status != 0)
    let plan = try s.h.run(["plan"] + s.args)
    #expect(plan.stdout.contains("~ site/web (start: nginx at '\(s.prefix)' is not running)"), "\(plan.all)")
    #expect(try s.apply().status == 0)
    #expect(s.get("/").text.contains("<h1>spa</h1>"))
  }
}
