import Foundation
import Testing
import TestSupport

/// Upstreams that move without a gap, against the real Engine and a real nginx, with a load generator counting every
/// response: a container that a site reaches on its network (no published port) is replaced while requests flow
/// and a 2-second request is in flight at the switch; none fails.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct ZeroDowntimeTests {
  /// busybox httpd serving `/version`, a CGI `/cgi-bin/slow` that answers after 2 s, and a CGI `/cgi-bin/v` that
  /// answers the version after `DELAY` seconds, or 500 on `FAIL` percent of requests.
  static let app = #"""
    mkdir -p /www/cgi-bin
    echo $VERSION > /www/version
    cat > /www/cgi-bin/slow <<'EOF'
    #!/bin/sh
    sleep 2
    printf 'Content-Type: text/plain\r\n\r\nslow'
    EOF
    cat > /www/cgi-bin/v <<'EOF'
    #!/bin/sh
    sleep $DELAY
    if [ $((RANDOM % 100)) -lt $FAIL ]; then printf 'Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nbroken'; else printf "Content-Type: text/plain\r\n\r\n$VERSION"; fi
    EOF
    chmod +x /www/cgi-bin/*
    exec httpd -f -p 8080 -h /www
    """#

  /// The app (version `version`, with `env` besides, and `extra` container fields) and a site that routes to it on its
  /// network.
  static func manifest(
    _ name: String, version: Int, prefix: String, port: Int, env: [String: String] = [:], update: [String: Any] = ["drainTimeout": "10s"],
    extra: [String: Any] = [:], top: [String: Any] = [:]
  ) -> String {
    var container: [String: Any] = [
      "kind": "container", "name": name, "image": "local/busybox:1", "init": true, "stopTimeout": "2s",
      "labels": ["io.reconcile.test": "1"], "env": ["DELAY": "0", "FAIL": "0"].merging(env) { _, b in b }.merging(["VERSION": "\(version)"]) { a, _ in a },
      "command": ["/bin/sh", "-c", app],
      "healthcheck": ["command": "wget -q -O /dev/null http://127.0.0.1:8080/version", "interval": "200ms", "timeout": "2s", "retries": 3],
      "update": update,
    ]
    container.merge(extra) { _, b in b }
    let site: [String: Any] = [
      "kind": "site", "name": name, "prefix": prefix, "serverNames": ["_"], "listen": "127.0.0.1:\(port)",
      "routes": [["path": "/", "upstream": "container/\(name):8080"]],
    ]
    let doc: [String: Any] = ["apiVersion": "reconcile/v1", "resources": [container, site]].merging(top) { _, b in b }
    return String(decoding: try! JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self)
  }

  /// A sandbox with the app and its site applied at version 1; `body` gets the harness, nginx's prefix, the app's
  /// name and the site's port. nginx and the containers go afterwards.
  static func withApp(_ role: String, update: [String: Any] = ["drainTimeout": "10s"], _ body: (CLIHarness, String, String, Int) throws -> Void) throws {
    let h = try CLIHarness()
    let prefix = h.root + "/nginx", name = ControllerDockerTests.unique(role), port = freePort()
    defer {
      ProxyTest.stopNginx(prefix)
      TestEngine.docker(["rm", "-f", name, name + "-reconcile-next", name + "-reconcile-previous", name + "-filler"])
      h.cleanup()
    }
    try h.manifest(Self.manifest(name, version: 1, prefix: prefix, port: port, update: update))
    let r = try h.run(["apply", "--auto-approve"])
    #expect(r.status == 0, "\(r.all)")
    try body(h, prefix, name, port)
  }

  @Test func aRoutedContainerIsReplacedWithoutAFailedRequest() throws {
    try Self.withApp("zd") { h, prefix, name, port in
      #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n1\n"))

      let load = LoadGenerator(url: "http://127.0.0.1:\(port)/version", threads: 8, pause: 0.003, slowURL: "http://127.0.0.1:\(port)/cgi-bin/slow")
      Thread.sleep(forTimeInterval: 3)
      try h.manifest(Self.manifest(name, version: 2, prefix: prefix, port: port))
      let applyStarted = Date()
      let r = try h.run(["apply", "--auto-approve"])
      let applyEnded = Date()
      Thread.sleep(forTimeInterval: 2)
      // Enough requests to count, on a busy machine too.
      _ = eventually(within: 20) { load.total >= 2500 }
      load.stop()

      #expect(r.status == 0, "\(r.all)")
      #expect(
        r.stdout.contains(
          "-/+ container/\(name) (env.VERSION changed: '1' -> '2'; nginx at \(prefix) moves to the new container once it is healthy; the old one drains for at most 10s)"
        ), "\(r.stdout)")
      let counts = load.counts.current
      #expect(
        load.failures.isEmpty,
        "failed requests: \(load.failures) of \(load.total), sent at \(load.errors.current.map { $0.timeIntervalSince(applyStarted) }) s from the apply's start (it took \(applyEnded.timeIntervalSince(applyStarted)) s)\n\(r.stdout)\n\(ProxyTest.run(["tail", "-20", prefix + "/logs/error.log"]).text)"
      )
      #expect(load.total >= 2000 && load.perSecond >= 200, "\(load.total) requests at \(Int(load.perSecond))/s")
      #expect((counts["200 1"] ?? 0) > 0 && (counts["200 2"] ?? 0) > 0, "\(counts)")
      let slow = load.slow.current
      #expect(!slow.isEmpty && slow.allSatisfy { $0.outcome == "200 slow" }, "\(slow.map(\.outcome))")
      #expect(slow.contains { $0.started < applyEnded && $0.ended > applyStarted }, "a slow request was in flight during the replacement")
      #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n2\n"))
      #expect(try h.run(["plan"]).stdout.contains("No changes."))
      print(
        "zero-downtime replacement: \(load.total) requests at \(Int(load.perSecond))/s, \(load.failures.values.reduce(0, +)) failed, \(slow.count) slow (2 s) requests, all answered"
      )
    }
  }

  /// A container restarted behind reconcile's back may come back at another address: the plan sees nginx's upstream
  /// point elsewhere and the apply moves it.
  @Test func anUpstreamLeftBehindByARestartIsSeenAndMoved() throws {
    try Self.withApp("zdmove") { h, _, name, port in
      let filler = name + "-filler"
      TestEngine.docker(["stop", "-t", "1", name])
      // Another container takes the address while it is stopped.
      TestEngine.docker(["run", "-d", "--rm", "--name", filler, "--label", "io.reconcile.test=1", "local/busybox:1", "sleep", "60"])
      TestEngine.docker(["start", name])
      let plan = try h.run(["plan"]).stdout
      #expect(plan.contains("~ site/\(name) (route: container/\(name) is at "), "\(plan)")
      #expect(try h.run(["apply", "--auto-approve"]).status == 0)
      #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n1\n"))
      #expect(try h.run(["plan"]).stdout.contains("No changes."))
    }
  }
}
