import Foundation
import Testing
import TestSupport

/// The shipped Jules module (`manifests/modules/jules`), as a user runs it, twice: a staging and a production instance
/// side by side on their own names and ports (the shipped top-level manifest's policy and checks, its one instance
/// made two), behind one managed nginx over TLS, each container routed on its network (no published port). A new
/// version of the module goes out to both under load through production's site, kept under its rate limit (20 r/s
/// per client): the health-gated start-first replacement with a backup first, checked, and no request fails.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct BundledStackTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

  struct Instance {
    let module: String, name: String, http: Int, https: Int
    var url: String { "https://localhost:\(https)/jules/" }
  }

  @Test func twoInstancesOfTheBundledJulesRunSideBySideAndUpdateWithoutAFailedRequest() throws {
    let h = try CLIHarness()
    let staging = Instance(module: "staging", name: ControllerDockerTests.unique("stg"), http: freePort(), https: freePort())
    let production = Instance(module: "production", name: ControllerDockerTests.unique("prod"), http: freePort(), https: freePort())
    let proxy = h.root + "/proxy", context = h.root + "/jules-image", module = h.root + "/modules/jules"
    defer {
      ProxyTest.stopNginx(proxy + "/nginx")
      for i in [staging, production] {
        TestEngine.docker(["rm", "-f", i.name, i.name + "-reconcile-next"])
        TestEngine.docker(["volume", "rm", "-f", i.name + "-data"])
        TestEngine.docker(["network", "rm", i.name + "-net"])
        TestEngine.docker(["rmi", "-f", i.name + ":latest"])
      }
      h.cleanup()
    }
    // The image from this build's jules (its shared libraries copied in, as the script does for a release one).
    let bin = (CLIHarness.binary as NSString).deletingLastPathComponent + "/jules"
    let built = ProxyTest.run(["env", "JULES_BIN=\(bin)", "bash", Self.repository + "/scripts/jules-image-context.sh", context])
    try #require(built.status == 0, "\(built.text)")

    // The module as shipped; the top level as shipped, with two instances instead of one.
    try FileManager.default.createDirectory(atPath: h.root + "/modules", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: Self.repository + "/manifests/modules/jules", toPath: module)
    let shipped = try String(contentsOfFile: Self.repository + "/manifests/jules.json", encoding: .utf8)
    var top = try #require(try JSONSerialization.jsonObject(with: Data(shipped.utf8)) as? [String: Any])
    var shippedInstance = try #require((top["resources"] as? [[String: Any]])?.first)
    #expect(shippedInstance["source"] as? String == "modules/jules")
    top["resources"] = [staging, production].map { i -> [String: Any] in
      var inputs = shippedInstance["inputs"] as? [String: Any] ?? [:]
      inputs["name"] = i.name
      inputs["proxyHTTP"] = i.http
      inputs["proxyHTTPS"] = i.https
      inputs["proxyRoot"] = proxy
      inputs["backups"] = h.root + "/backups"
      inputs["imageContext"] = context
      shippedInstance["name"] = i.module
      shippedInstance["source"] = "../modules/jules"
      shippedInstance["inputs"] = inputs
      return shippedInstance
    }
    let check = try #require((top["verify"] as? [[String: Any]])?.first)
    top["verify"] = [staging, production].map { i in
      check.mapValues { v in (v as? String).map { $0.replacingOccurrences(of: "module.jules.", with: "module.\(i.module).") } ?? v }
    }
    try JSONSerialization.data(withJSONObject: top, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: h.manifests + "/jules.json"))
    try FileManager.default.createDirectory(atPath: h.manifests + "/secrets", withIntermediateDirectories: true)
    let token = "t0ken-\(UUID().uuidString)"
    try token.write(toFile: h.manifests + "/secrets/JULES_LOCAL_TOKEN", atomically: true, encoding: .utf8)
    try "placeholder".write(toFile: h.manifests + "/secrets/JULES_API_KEY", atomically: true, encoding: .utf8)
    // Nothing of the machine's own bundled stack can be touched: every name, path and port is the instances' own.
    let plan = try h.run(["plan"])
    for left in ["/var/lib/reconcile", "/var/backups", ":8443", ":8080", "jules-sessions", " jules-data", "'jules'"] {
      #expect(!plan.stdout.contains(left), "\(left) in the plan:\n\(plan.stdout)")
    }

    let first = try h.run(["apply", "--auto-approve"])
    try #require(first.status == 0, "\(first.all)")
    #expect(first.stdout.contains("Verified."), "\(first.all)")
    #expect(try h.run(["plan"]).stdout.contains("No changes."))
    let ca = { (i: Instance) in "\(proxy)/certificates/\(i.name)/fullchain.pem" }
    // Behind the proxy the allowlist means the client: another local address claiming to be 127.0.0.1 is refused.
    func sessions(_ i: Instance, from source: String, claiming: String? = nil) -> String {
      ProxyTest.run(
        ["curl", "-sS", "--interface", source, "--resolve", "localhost:\(i.https):127.0.0.1", "--cacert", ca(i), "-H", "Authorization: Bearer \(token)"]
          + (claiming.map { ["-H", "X-Forwarded-For: \($0)"] } ?? []) + ["-w", " %{http_code}", i.url + "api/sessions"]
      ).text
    }
    for i in [staging, production] {
      // Routed on its network: the container publishes nothing.
      #expect(TestEngine.docker(["inspect", "-f", "{{json .HostConfig.PortBindings}}", i.name]).1.trimmingCharacters(in: .whitespacesAndNewlines) == "null")
      #expect(TestEngine.docker(["inspect", "-f", "{{index .Config.Labels \"io.reconcile.resource\"}}", i.name]).1 == "module.\(i.module)/container/\(i.name)")
      #expect(sessions(i, from: "127.0.0.1").hasSuffix(" 200"), "\(sessions(i, from: "127.0.0.1"))")
    }
    #expect(sessions(production, from: "127.0.0.1", claiming: "10.1.2.3").hasSuffix(" 200"), "the client is the address nginx saw")
    // HTTP/2, and Jules's own security headers once each (the proxy's defaults are dropped for this site).
    let head = ProxyTest.run(["curl", "-sS", "-I", "--resolve", "localhost:\(production.https):127.0.0.1", "--cacert", ca(production), production.url + "healthz"]).text
      .lowercased()
    #expect(head.hasPrefix("http/2 200"), "\(head)")
    #expect(head.components(separatedBy: "x-frame-options:").count == 2 && head.contains("x-frame-options: deny"), "\(head)")
    let spoofed = sessions(production, from: "127.0.0.2", claiming: "127.0.0.1")
    #expect(spoofed.hasSuffix(" 403") && spoofed.contains("\"error\":\"forbidden\""), "\(spoofed)")

    let load = LoadGenerator(url: production.url + "healthz", threads: 4, pause: 0.25, caBundle: ca(production))
    Thread.sleep(forTimeInterval: 2)
    let old = [staging, production].map { TestEngine.docker(["inspect", "-f", "{{.Id}}", $0.name]).1 }
    // A new version of the module: an environment change replaces both instances' containers.
    let jules = module + "/jules.json"
    try (try String(contentsOfFile: jules, encoding: .utf8)).replacingOccurrences(of: #""PERSIST": "1","#, with: #""PERSIST": "1", "LOG_LEVEL": "warn","#)
      .write(toFile: jules, atomically: true, encoding: .utf8)
    let started = Date()
    let second = try h.run(["apply", "--auto-approve"])
    let took = Date().timeIntervalSince(started)
    Thread.sleep(forTimeInterval: 2)
    load.stop()
    #expect(second.status == 0, "\(second.all)")
    for said in [
      "-/+ module.production/container/\(production.name) (", "env.LOG_LEVEL changed: '(none)' -> 'warn'",
      "nginx at \(proxy)/nginx moves to the new container once it is healthy", "module.production/backup/\(production.name)-sessions taken first and pinned",
      "-/+ module.staging/container/\(staging.name) (", "Verified.", "module.production: 1 to replace",
    ] {
      #expect(second.stdout.contains(said), "\(said): \(second.stdout)")
    }
    #expect([staging, production].map { TestEngine.docker(["inspect", "-f", "{{.Id}}", $0.name]).1 } != old, "replaced")
    #expect(TestEngine.docker(["inspect", "-f", "{{.Id}}", staging.name]).1 != old[0] && TestEngine.docker(["inspect", "-f", "{{.Id}}", production.name]).1 != old[1])
    #expect(load.failures.isEmpty, "failed requests: \(load.failures) of \(load.total)\n\(second.stdout)")
    #expect(load.total >= Int(took * 10), "requests flowed throughout: \(load.total) in \(took) s")
    #expect(try h.run(["plan"]).stdout.contains("No changes."))
    print(
      "bundled jules: two instances replaced in \(String(format: "%.1f", took)) s, production under load through its TLS site, \(load.total) requests, \(load.failures.values.reduce(0, +)) failed"
    )
  }
}
