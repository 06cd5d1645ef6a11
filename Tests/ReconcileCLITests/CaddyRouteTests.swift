import Foundation
import Testing
import TestSupport

/// A Caddy site that reaches its container's replicas on their network (no published port), against the real Engine
/// and a real Caddy: a new version rolls one replica at a time and scaling down drains the one that goes, a canary is
/// promoted step by step or rolled back on its figures, while a load generator counts every response.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct CaddyRouteTests {
  static func manifest(
    _ name: String, version: Int, replicas: Int = 1, prefix: String, admin: Int, port: Int, env: [String: String] = [:],
    update: [String: Any] = ["drainTimeout": "10s"]
  ) throws -> String {
    let nginx = ZeroDowntimeTests.manifest(name, version: version, prefix: prefix, port: port, env: env, update: update, extra: ["replicas": replicas])
    var doc = try #require(try JSONSerialization.jsonObject(with: Data(nginx.utf8)) as? [String: Any])
    var resources = try #require(doc["resources"] as? [[String: Any]])
    resources[1]["server"] = "caddy"
    resources[1]["admin"] = "127.0.0.1:\(admin)"
    doc["resources"] = resources
    return String(decoding: try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys]), as: UTF8.self)
  }

  @Test func replicasBehindCaddyRollAndScaleWithoutAFailedRequest() throws {
    let h = try CLIHarness()
    let prefix = h.root + "/caddy", name = ControllerDockerTests.unique("caddyrep"), port = freePort(), admin = freePort()
    defer {
      _ = ProxyTest.run(["curl", "-sS", "-X", "POST", "http://127.0.0.1:\(admin)/stop"])
      TestEngine.docker(["rm", "-f", name, name + "-2", name + "-reconcile-next", name + "-2-reconcile-next"])
      h.cleanup()
    }
    func apply(version: Int, replicas: Int) throws -> CLIHarness.Result {
      try h.manifest(try Self.manifest(name, version: version, replicas: replicas, prefix: prefix, admin: admin, port: port))
      return try h.run(["apply", "--auto-approve"])
    }
    let first = try apply(version: 1, replicas: 2)
    #expect(first.status == 0, "\(first.all)")
    let route = "\(prefix)/live/routes/reconcile_\(name.replacingOccurrences(of: "-", with: "_"))_8080.caddy"
    #expect(
      h.read(route)
        == "(reconcile_\(name.replacingOccurrences(of: "-", with: "_"))_8080) {\n\tto \(ReplicaTests.address(name)):8080 \(ReplicaTests.address(name + "-2")):8080\n\tfail_duration 10s\n\tlb_try_duration 5s\n}\n"
    )
    #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n1\n"))
    #expect(try h.run(["plan"]).stdout.contains("No changes."))

    let load = LoadGenerator(url: "http://127.0.0.1:\(port)/version", threads: 8, pause: 0.003, slowURL: "http://127.0.0.1:\(port)/cgi-bin/slow")
    Thread.sleep(forTimeInterval: 1)
    let started = Date()
    let rolled = try apply(version: 2, replicas: 2)
    let ended = Date()
    let scaled = try apply(version: 2, replicas: 1)
    _ = eventually(within: 20) { load.total >= 2500 }
    load.stop()
    #expect(rolled.status == 0 && scaled.status == 0, "\(rolled.all)\n\(scaled.all)")
    #expect(rolled.stdout.contains("rolling, one of 2 replicas at a time: each new one healthy before caddy at \(prefix) moves to it"), "\(rolled.stdout)")
    #expect(load.failures.isEmpty, "failed requests: \(load.failures) of \(load.total)")
    #expect(load.total >= 2000 && load.perSecond >= 200, "\(load.total) requests at \(Int(load.perSecond))/s")
    let slow = load.slow.current
    #expect(
      slow.allSatisfy { $0.outcome == "200 slow" } && slow.contains { $0.started < ended && $0.ended > started },
      "\(slow.map { "\($0.outcome) \($0.started.timeIntervalSince(started)) \($0.ended.timeIntervalSince(started))" }) (rolled \(ended.timeIntervalSince(started)))")
    #expect((load.counts.current["200 1"] ?? 0) > 0 && (load.counts.current["200 2"] ?? 0) > 0)
    #expect(h.read(route)?.contains("\tto \(ReplicaTests.address(name)):8080\n") == true, "\(h.read(route) ?? "")")
    #expect(try h.run(["plan"]).stdout.contains("No changes."))
    print("caddy replicas: \(load.total) requests at \(Int(load.perSecond))/s, \(load.failures.values.reduce(0, +)) failed")
  }

  /// Caddy 2.6 has no weights: the canary's split lists the old address four times and the new one once (20%), and the
  /// analysis reads Caddy's round trips. A good version is promoted with no failed request; a bad one (500 on a
  /// quarter of its requests) is rolled back with its figures and every request goes to the old one again; a
  /// blue-green after it switches at once, with no failed request either.
  @Test func aCanaryBehindCaddyIsPromotedOrRolledBackOnItsFigures() throws {
    let h = try CLIHarness()
    let prefix = h.root + "/caddy", name = ControllerDockerTests.unique("caddycanary"), port = freePort(), admin = freePort()
    defer {
      _ = ProxyTest.run(["curl", "-sS", "-X", "POST", "http://127.0.0.1:\(admin)/stop"])
      TestEngine.docker(["rm", "-f", name, name + "-reconcile-next"])
      h.cleanup()
    }
    let canary = RolloutTests.canary
    func apply(version: Int, env: [String: String] = [:]) throws -> CLIHarness.Result {
      try h.manifest(try Self.manifest(name, version: version, prefix: prefix, admin: admin, port: port, env: env, update: canary))
      return try h.run(["apply", "--auto-approve"])
    }
    #expect(try apply(version: 1).status == 0)
    let route = "\(prefix)/live/routes/reconcile_\(name.replacingOccurrences(of: "-", with: "_"))_8080.caddy"

    let load = LoadGenerator(url: "http://127.0.0.1:\(port)/version", threads: 8, pause: 0.003, slowURL: "http://127.0.0.1:\(port)/cgi-bin/slow")
    Thread.sleep(forTimeInterval: 1)
    try h.manifest(try Self.manifest(name, version: 2, prefix: prefix, admin: admin, port: port, update: canary))
    let run = h.start(["apply", "--auto-approve"])
    // At 20%, the old address four times and the new one once, taken in turn.
    #expect(eventually(within: 30) { (h.read(route) ?? "").contains("lb_policy round_robin") }, "\(run.result().all)")
    let split = (h.read(route) ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).filter { $0.hasSuffix(":8080") }
    #expect(split.count == 5 && Set(split).count == 2, "\(split)")
    run.process.waitUntilExit()
    _ = eventually(within: 20) { load.total >= 2500 }
    load.stop()
    let good = run.result()
    #expect(good.status == 0, "\(good.all)")
    // Each step judged on Caddy's round trips to the new version. Caddy tries a round trip that failed again (on a
    // machine this busy, busybox's httpd can drop one): the client sees no failure, the analysis counts it, so a good
    // version may show one in a thousand, far within its limits.
    for step in [20, 50, 100] {
      let m = try #require(
        good.stdout.firstMatch(of: try Regex(#"canary at \#(step)%: (\d+) requests?, (\d+) errors? \([\d.]+%\), p95 \d+ms; within limits"#)), "\(good.stdout)")
      let (requests, errors) = (Int(m.output[1].substring!)!, Int(m.output[2].substring!)!)
      #expect(requests > 0 && errors * 100 <= requests, "Caddy's log counted the new version's requests: \(m.output[0].substring!)")
    }
    #expect(load.failures.isEmpty, "failed requests: \(load.failures) of \(load.total)")
    #expect(load.total >= 2000 && load.perSecond >= 200, "\(load.total) requests at \(Int(load.perSecond))/s")
    #expect((load.counts.current["200 1"] ?? 0) > 0 && (load.counts.current["200 2"] ?? 0) > 0)
    #expect(load.slow.current.allSatisfy { $0.outcome == "200 slow" })
    #expect(try h.run(["plan"]).stdout.contains("No changes."))
    // Caddy's upstream log holds no request or response headers.
    let log = h.read(prefix + "/logs/upstreams.json") ?? ""
    #expect(log.contains("\"msg\":\"upstream roundtrip\"") && !log.contains("\"headers\""))
    print("caddy canary: \(load.total) requests at \(Int(load.perSecond))/s, \(load.failures.values.reduce(0, +)) failed")

    let bad = LoadGenerator(url: "http://127.0.0.1:\(port)/cgi-bin/v", threads: 4, pause: 0.005)
    Thread.sleep(forTimeInterval: 1)
    let r = try apply(version: 3, env: ["FAIL": "25"])
    Thread.sleep(forTimeInterval: 1)
    bad.stop()
    #expect(r.status != 0, "\(r.all)")
    let rolledBack = try #require(r.stdout.firstMatch(of: #/canary rolled back at 20%: error rate (\d+(\.\d)?)% > 5% \((\d+) of (\d+) requests\)/#), "\(r.stdout)")
    #expect(Int(rolledBack.output.3)! > 0 && Int(rolledBack.output.4)! >= 20)
    #expect(bad.failures.keys.allSatisfy { $0 == "500 broken" }, "only the bad version's own answers fail: \(bad.failures)")
    #expect((bad.counts.current["200 3"] ?? 0) > 0, "the bad version had its share: \(bad.counts.current)")
    #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n2\n"))
    #expect(TestEngine.docker(["ps", "-aq", "--filter", "name=^/\(name)-reconcile-next$"]).1.isEmpty)

    // Blue-green behind the same Caddy: all at once, the old one ready for the interval, no failed request.
    let blueGreen: [String: Any] = ["strategy": "blue-green", "interval": "2s", "drainTimeout": "10s"]
    let switching = LoadGenerator(url: "http://127.0.0.1:\(port)/version", threads: 8, pause: 0.003, slowURL: "http://127.0.0.1:\(port)/cgi-bin/slow")
    Thread.sleep(forTimeInterval: 1)
    try h.manifest(try Self.manifest(name, version: 4, prefix: prefix, admin: admin, port: port, update: blueGreen))
    let switched = try h.run(["apply", "--auto-approve"])
    _ = eventually(within: 20) { switching.total >= 2000 }
    switching.stop()
    #expect(switched.status == 0 && switched.stdout.contains("blue-green at 100%: ") && switched.stdout.contains("; within limits"), "\(switched.all)")
    #expect(switching.failures.isEmpty, "failed requests: \(switching.failures) of \(switching.total)")
    #expect(switching.slow.current.allSatisfy { $0.outcome == "200 slow" })
    #expect((switching.counts.current["200 4"] ?? 0) > 0 && ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n4\n"))
    print("caddy blue-green: \(switching.total) requests at \(Int(switching.perSecond))/s, \(switching.failures.values.reduce(0, +)) failed")
  }
}
