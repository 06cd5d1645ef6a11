import Foundation
import Testing
import TestSupport

/// Replicas behind one nginx upstream, against the real Engine and a real nginx: created, scaled, healed when one is
/// stopped by hand, replaced one at a time under load with no failed request, and removed with their container.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct ReplicaTests {
  static func manifest(_ name: String, version: Int, replicas: Int, prefix: String, port: Int) -> String {
    ZeroDowntimeTests.manifest(name, version: version, prefix: prefix, port: port, extra: ["replicas": replicas])
  }

  static func servers(_ prefix: String, _ name: String) -> [String] {
    let file = "\(prefix)/live/routes/reconcile_\(name.replacingOccurrences(of: "-", with: "_"))_8080.conf"
    return ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains("server ") }.map {
      String($0.split(separator: " ")[1].split(separator: ":")[0])
    }
  }

  static func address(_ container: String) -> String {
    TestEngine.docker(["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container]).1.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test func replicasAreCreatedScaledHealedAndRemovedBehindOneUpstream() throws {
    let h = try CLIHarness()
    let prefix = h.root + "/nginx", name = ControllerDockerTests.unique("rep"), port = freePort()
    defer {
      ProxyTest.stopNginx(prefix)
      TestEngine.docker(["rm", "-f", name, name + "-2", name + "-3", name + "-reconcile-next", name + "-2-reconcile-next", name + "-3-reconcile-next"])
      h.cleanup()
    }
    try h.manifest(Self.manifest(name, version: 1, replicas: 3, prefix: prefix, port: port))
    let created = try h.run(["apply", "--auto-approve"])
    #expect(created.status == 0, "\(created.all)")
    #expect(created.stdout.contains(#/\n +replicas +=\ "3"\n/#), "\(created.stdout)")
    #expect(Self.servers(prefix, name) == [name, name + "-2", name + "-3"].map(Self.address))
    #expect(try h.run(["plan"]).stdout.contains("No changes."))

    // Stopped by hand: seen and started again, and nginx still reaches it.
    TestEngine.docker(["stop", "-t", "1", name + "-2"])
    let plan = try h.run(["plan"]).stdout
    #expect(plan.contains("~ container/\(name) (replica \(name)-2 not running; started again)"), "\(plan)")
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    #expect(Self.servers(prefix, name) == [name, name + "-2", name + "-3"].map(Self.address))

    // Down to two: the third leaves the upstream, then goes.
    try h.manifest(Self.manifest(name, version: 1, replicas: 2, prefix: prefix, port: port))
    let down = try h.run(["apply", "--auto-approve"])
    #expect(down.stdout.contains("~ container/\(name) (replicas changed: '3' -> '2')"), "\(down.stdout)")
    #expect(TestEngine.docker(["ps", "-aq", "--filter", "name=^/\(name)-3$"]).1.isEmpty)
    #expect(Self.servers(prefix, name) == [name, name + "-2"].map(Self.address))
    #expect(try h.run(["plan"]).stdout.contains("No changes."))

    // A new version, one replica at a time, under load.
    let load = LoadGenerator(url: "http://127.0.0.1:\(port)/version", threads: 8, pause: 0.003, slowURL: "http://127.0.0.1:\(port)/cgi-bin/slow")
    Thread.sleep(forTimeInterval: 1)
    try h.manifest(Self.manifest(name, version: 2, replicas: 2, prefix: prefix, port: port))
    let started = Date()
    let rolled = try h.run(["apply", "--auto-approve"])
    let ended = Date()
    _ = eventually(within: 20) { load.total >= 2500 }
    load.stop()
    #expect(rolled.status == 0, "\(rolled.all)")
    #expect(
      rolled.stdout.contains(
        "-/+ container/\(name) (env.VERSION changed: '1' -> '2'; rolling, one of 2 replicas at a time: each new one healthy before nginx at \(prefix) moves to it, the old one drains for at most 10s)"
      ), "\(rolled.stdout)")
    #expect(load.failures.isEmpty, "failed requests: \(load.failures) of \(load.total)")
    #expect(load.total >= 2000 && load.perSecond >= 200, "\(load.total) requests at \(Int(load.perSecond))/s")
    #expect(load.slow.current.allSatisfy { $0.outcome == "200 slow" } && load.slow.current.contains { $0.started < ended && $0.ended > started })
    for replica in [name, name + "-2"] {
      #expect(TestEngine.docker(["exec", replica, "cat", "/www/version"]).1.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(replica) runs version 2")
    }
    #expect(Self.servers(prefix, name) == [name, name + "-2"].map(Self.address))
    #expect(try h.run(["plan"]).stdout.contains("No changes."))
    print("rolling replicas: \(load.total) requests at \(Int(load.perSecond))/s, \(load.failures.values.reduce(0, +)) failed")

    // Gone with their container.
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    #expect(TestEngine.docker(["ps", "-aq", "--filter", "label=io.reconcile.resource=container/\(name)"]).1.isEmpty)
  }

  /// `update.batch`: two of three replicas at a time, each batch healthy before nginx moves to it; none fails.
  @Test func aBatchOfReplicasIsReplacedAtATime() throws {
    let h = try CLIHarness()
    let prefix = h.root + "/nginx", name = ControllerDockerTests.unique("batch"), port = freePort()
    defer {
      ProxyTest.stopNginx(prefix)
      TestEngine.docker(["rm", "-f", name, name + "-2", name + "-3", name + "-reconcile-next", name + "-2-reconcile-next", name + "-3-reconcile-next"])
      h.cleanup()
    }
    func manifest(_ version: Int) -> String {
      ZeroDowntimeTests.manifest(name, version: version, prefix: prefix, port: port, update: ["drainTimeout": "10s", "batch": 2], extra: ["replicas": 3])
    }
    try h.manifest(manifest(1))
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    let load = LoadGenerator(url: "http://127.0.0.1:\(port)/version", threads: 8, pause: 0.003, slowURL: "http://127.0.0.1:\(port)/cgi-bin/slow")
    Thread.sleep(forTimeInterval: 1)
    try h.manifest(manifest(2))
    let rolled = try h.run(["apply", "--auto-approve"])
    _ = eventually(within: 20) { load.total >= 2500 }
    load.stop()
    #expect(rolled.status == 0, "\(rolled.all)")
    #expect(rolled.stdout.contains("rolling, 2 of 3 replicas at a time: each batch healthy before nginx at \(prefix) moves to it"), "\(rolled.stdout)")
    #expect(load.failures.isEmpty && load.slow.current.allSatisfy { $0.outcome == "200 slow" }, "\(load.failures)")
    for replica in [name, name + "-2", name + "-3"] {
      #expect(TestEngine.docker(["exec", replica, "cat", "/www/version"]).1.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(replica)")
    }
    #expect(Self.servers(prefix, name) == [name, name + "-2", name + "-3"].map(Self.address))
    #expect(try h.run(["plan"]).stdout.contains("No changes."))
    print("rolling in batches of 2: \(load.total) requests at \(Int(load.perSecond))/s, \(load.failures.values.reduce(0, +)) failed")
  }
}
