import Foundation
import Testing
import TestSupport

/// A Caddy site that reaches its container's replicas on their network (no published port), against the real Engine
/// and a real Caddy: a new version rolls one replica at a time and scaling down drains the one that goes, while a load
/// generator counts every response.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct CaddyRouteTests {
  static func manifest(_ name: String, version: Int, replicas: Int, prefix: String, admin: Int, port: Int) throws -> String {
    let nginx = ZeroDowntimeTests.manifest(name, version: version, prefix: prefix, port: port, extra: ["replicas": replicas])
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
}
