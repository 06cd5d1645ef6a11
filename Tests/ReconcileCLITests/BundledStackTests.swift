import Foundation
import Testing
import TestSupport

/// The shipped `manifests/jules` stack, as a user runs it (the test's copy differs only in its variables' values, its
/// resources' names and the image's build context, so that it runs beside anything else on the Engine): the jules
/// image built, the volume, the container behind the managed nginx over TLS (routed on its network, no published
/// port), the health-gated start-first replacement with a backup first. A new version goes out under load through
/// the bundled site, kept under its own rate limit (20 r/s per client), and no request fails.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct BundledStackTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

  @Test func theBundledJulesUpdatesWithoutAFailedRequest() throws {
    let h = try CLIHarness()
    let name = ControllerDockerTests.unique("jules"), http = freePort(), https = freePort()
    let proxy = h.root + "/proxy", context = h.root + "/jules-image"
    defer {
      ProxyTest.stopNginx(proxy + "/nginx")
      TestEngine.docker(["rm", "-f", name, name + "-reconcile-next"])
      TestEngine.docker(["volume", "rm", "-f", name + "-data"])
      TestEngine.docker(["network", "rm", name + "-net"])
      TestEngine.docker(["rmi", "-f", name + ":latest"])
      h.cleanup()
    }
    // The image from this build's jules (its shared libraries copied in, as the script does for a release one).
    let bin = (CLIHarness.binary as NSString).deletingLastPathComponent + "/jules"
    let built = ProxyTest.run(["env", "JULES_BIN=\(bin)", "bash", Self.repository + "/scripts/jules-image-context.sh", context])
    try #require(built.status == 0, "\(built.text)")

    var all = ""
    for file in ["host.json", "jules.json", "proxy.json"] {
      var text = try String(contentsOfFile: "\(Self.repository)/manifests/jules/\(file)", encoding: .utf8)
      for (from, to) in [
        (#""proxyRoot": "/var/lib/reconcile""#, #""proxyRoot": "\#(proxy)""#), (#""proxyHTTP": "8080""#, #""proxyHTTP": "\#(http)""#),
        (#""proxyHTTPS": "8443""#, #""proxyHTTPS": "\#(https)""#), (#""julesBackups": "/var/backups/reconcile""#, #""julesBackups": "\#(h.root)/backups""#),
        (#""context": "../../.build/jules-image""#, #""context": "\#(context)""#), (#""jules""#, #""\#(name)""#),
        (#"container/jules""#, #"container/\#(name)""#), ("container/jules:", "container/\(name):"), (#"image/jules""#, #"image/\#(name)""#),
        ("jules-data", "\(name)-data"), ("jules-net", "\(name)-net"),
      ] {
        text = text.replacingOccurrences(of: from, with: to)
      }
      try text.write(toFile: "\(h.manifests)/\(file)", atomically: true, encoding: .utf8)
      all += text
    }
    // Nothing of the machine's own bundled stack is touched: no name, path or port of it is left.
    for left in [#""jules""#, "/jules\"]", "jules-data", "jules-net", "/var/lib/reconcile", "/var/backups", "8443", "8080\"", ".build/jules-image"] {
      #expect(!all.contains(left), "\(left) left in the copy")
    }
    try FileManager.default.createDirectory(atPath: h.manifests + "/secrets", withIntermediateDirectories: true)
    let token = "t0ken-\(UUID().uuidString)"
    try token.write(toFile: h.manifests + "/secrets/JULES_LOCAL_TOKEN", atomically: true, encoding: .utf8)
    try "placeholder".write(toFile: h.manifests + "/secrets/JULES_API_KEY", atomically: true, encoding: .utf8)

    let first = try h.run(["apply", "--auto-approve"])
    try #require(first.status == 0, "\(first.all)")
    #expect(try h.run(["plan"]).stdout.contains("No changes."))
    // Routed on its network: the container publishes nothing.
    #expect(TestEngine.docker(["inspect", "-f", "{{json .HostConfig.PortBindings}}", name]).1.trimmingCharacters(in: .whitespacesAndNewlines) == "null")

    let url = "https://localhost:\(https)/jules/healthz", ca = "\(proxy)/certificates/jules/fullchain.pem"
    // Behind the proxy the allowlist means the client: another local address claiming to be 127.0.0.1 is refused.
    func sessions(from source: String, claiming: String? = nil) -> String {
      ProxyTest.run(
        ["curl", "-sS", "--interface", source, "--resolve", "localhost:\(https):127.0.0.1", "--cacert", ca, "-H", "Authorization: Bearer \(token)"]
          + (claiming.map { ["-H", "X-Forwarded-For: \($0)"] } ?? []) + ["-w", " %{http_code}", "https://localhost:\(https)/jules/api/sessions"]
      ).text
    }
    #expect(sessions(from: "127.0.0.1").hasSuffix(" 200"), "\(sessions(from: "127.0.0.1"))")
    #expect(sessions(from: "127.0.0.1", claiming: "10.1.2.3").hasSuffix(" 200"), "the client is the address nginx saw")
    // HTTP/2, and Jules's own security headers once each (the proxy's defaults are dropped for this site).
    let head = ProxyTest.run(["curl", "-sS", "-I", "--resolve", "localhost:\(https):127.0.0.1", "--cacert", ca, url]).text.lowercased()
    #expect(head.hasPrefix("http/2 200"), "\(head)")
    #expect(head.components(separatedBy: "x-frame-options:").count == 2 && head.contains("x-frame-options: deny"), "\(head)")
    let spoofed = sessions(from: "127.0.0.2", claiming: "127.0.0.1")
    #expect(spoofed.hasSuffix(" 403") && spoofed.contains("\"error\":\"forbidden\""), "\(spoofed)")
    let load = LoadGenerator(url: url, threads: 4, pause: 0.25, caBundle: ca)
    Thread.sleep(forTimeInterval: 2)
    let old = TestEngine.docker(["inspect", "-f", "{{.Id}}", name]).1
    // A new version: an environment change replaces the container.
    let jules = "\(h.manifests)/jules.json"
    try (try String(contentsOfFile: jules, encoding: .utf8)).replacingOccurrences(of: #""PERSIST": "1","#, with: #""PERSIST": "1", "LOG_LEVEL": "warn","#)
      .write(toFile: jules, atomically: true, encoding: .utf8)
    let started = Date()
    let second = try h.run(["apply", "--auto-approve"])
    let took = Date().timeIntervalSince(started)
    Thread.sleep(forTimeInterval: 2)
    load.stop()
    #expect(second.status == 0, "\(second.all)")
    for said in [
      "-/+ container/\(name) (", "env.LOG_LEVEL changed: '(none)' -> 'warn'", "nginx at \(proxy)/nginx moves to the new container once it is healthy",
      "backup/jules-sessions taken first and pinned", "Verified.",
    ] {
      #expect(second.stdout.contains(said), "\(said): \(second.stdout)")
    }
    #expect(TestEngine.docker(["inspect", "-f", "{{.Id}}", name]).1 != old, "replaced")
    #expect(load.failures.isEmpty, "failed requests: \(load.failures) of \(load.total)\n\(second.stdout)")
    #expect(load.total >= Int(took * 10), "requests flowed throughout: \(load.total) in \(took) s")
    #expect(try h.run(["plan"]).stdout.contains("No changes."))
    print("bundled jules: replaced in \(String(format: "%.1f", took)) s under load through its TLS site, \(load.total) requests, \(load.failures.values.reduce(0, +)) failed")
  }
}
