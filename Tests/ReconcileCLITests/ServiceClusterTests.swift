import Foundation
import Testing
import TestSupport

/// The `service` kind as a cluster lives it (same serialized suite as `ServiceSwarmTests`, since one test stops a
/// node): a site routing to the tasks through a managed nginx while Swarm rolls a change out and a secret rotates,
/// under load; an update Swarm rolls back, reported and alerted; a node whose engine stops.
extension ServiceSwarmTests {
  /// The repository's scripts (to bring a stopped node back).
  static var scripts: String { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/scripts" }

  /// Runs scripts/swarm.sh (which starts any node that does not answer) with posix_spawn and waitpid: Foundation's
  /// Process was seen to miss the exit of a script that leaves an engine running behind it.
  static func restoreCluster() {
    var pid: pid_t = 0
    let words: [String] = ["/bin/bash", scripts + "/swarm.sh"]
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { word in word.withCString { strdup($0) } } + [nil]
    defer { argv.forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    defer { posix_spawn_file_actions_destroy(&actions) }
    guard posix_spawn(&pid, "/bin/bash", &actions, nil, argv, environ) == 0 else { return }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
  }

  /// A node's own engine socket or file, beside the manager's (`/tmp/rcsw/1/docker.sock` → `/tmp/rcsw/3/pid`).
  static func nodePath(_ node: Int, _ file: String) -> String {
    String(host.dropFirst("unix://".count)).replacingOccurrences(of: "/1/docker.sock", with: "/\(node)/\(file)")
  }

  static func routedManifest(_ name: String, version: Int, token: String, published: Int, prefix: String, port: Int) -> String {
    #"""
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "network", "name": "\#(name)-net", "driver": "overlay" },
      { "kind": "service", "name": "\#(name)", "image": "local/busybox:1", "replicas": 3, "endpointMode": "dnsrr",
        "ports": ["\#(published):80"], "networks": [ { "network": "network/\#(name)-net" } ], "stopTimeout": 1,
        "command": ["sh", "-c", "echo $VERSION > /www/version; cat /run/secrets/token > /www/token; exec httpd -f -p 80 -h /www"],
        "env": { "VERSION": "\#(version)" }, "secrets": { "token": "\#(token)" }, "labels": { "io.reconcile.test": "1" },
        "healthcheck": { "command": "printf 'GET /version HTTP/1.0\\r\\n\\r\\n' | nc -w 1 127.0.0.1 80 | grep -q '200 OK'", "interval": "1s", "retries": 2 },
        "update": { "parallelism": 1, "order": "stop-first", "failureAction": "rollback", "monitor": "2s" } },
      { "kind": "site", "name": "\#(name)", "prefix": "\#(prefix)", "listen": "127.0.0.1:\#(port)", "serverNames": ["_"],
        "routes": [ { "path": "/", "upstream": "service/\#(name):80" } ] } ] }
    """#
  }

  /// Three tasks publish port 80 in host mode on their nodes; nginx reaches them at the nodes' addresses. A change
  /// rolled out by Swarm task by task, then a rotated secret, lose no request of a continuous load.
  @Test func aRoutedServiceIsUpdatedAndItsSecretRotatedWithoutAFailedRequest() throws {
    let h = try CLIHarness()
    let name = ControllerDockerTests.unique("svcweb"), prefix = h.root + "/nginx", port = freePort(), published = freePort()
    let env = ["DOCKER_HOST": Self.host]
    defer {
      ProxyTest.stopNginx(prefix)
      _ = Self.docker(["service", "rm", name])
      _ = eventually(within: 20) { Self.docker(["network", "rm", name + "-net"]).contains(name) }
      h.cleanup()
    }
    try h.manifest(Self.routedManifest(name, version: 1, token: "t-one", published: published, prefix: prefix, port: port))
    let created = try h.run(["apply", "--auto-approve"], env: env)
    #expect(created.status == 0, "\(created.all)")
    let portsLine = created.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("ports ") }
    #expect(portsLine?.hasSuffix(" = \"\(published):80/tcp (host mode)\"") == true, "\(created.stdout)")
    // nginx lists the three nodes that run a task, with passive checks.
    let upstream = ProxyTest.run(["sh", "-c", "cat \(prefix)/live/routes/*.conf"]).text
    #expect(upstream.components(separatedBy: "max_fails=1 fail_timeout=2s").count == 4 && upstream.contains("10.231.0.11:\(published)"), "\(upstream)")
    #expect(ProxyTest.curl("http://127.0.0.1:\(port)/token").text.hasSuffix("\r\n\r\nt-one"))
    #expect(try h.run(["plan"], env: env).stdout.contains("No changes."))

    let load = LoadGenerator(url: "http://127.0.0.1:\(port)/version", threads: 3, pause: 0.01)
    Thread.sleep(forTimeInterval: 1)
    try h.manifest(Self.routedManifest(name, version: 2, token: "t-one", published: published, prefix: prefix, port: port))
    let started = Date()
    let updated = try h.run(["apply", "--auto-approve"], env: env)
    let updateSeconds = Date().timeIntervalSince(started)
    try h.manifest(Self.routedManifest(name, version: 2, token: "t-two", published: published, prefix: prefix, port: port))
    let rotated = try h.run(["apply", "--auto-approve"], env: env)
    Thread.sleep(forTimeInterval: 1)
    load.stop()

    #expect(updated.status == 0 && updated.stdout.contains("~ service/\(name) (env.VERSION changed: '1' -> '2')"), "\(updated.all)")
    #expect(rotated.status == 0 && rotated.stdout.contains("~ service/\(name) (secret.token changed (sensitive))"), "\(rotated.all)")
    #expect(load.failures.isEmpty, "failed requests: \(load.failures) of \(load.total)\n\(ProxyTest.run(["tail", "-20", prefix + "/logs/error.log"]).text)")
    let counts = load.counts.current
    #expect((counts["200 1"] ?? 0) > 0 && (counts["200 2"] ?? 0) > 0 && load.total >= 500, "\(counts)")
    #expect(ProxyTest.curl("http://127.0.0.1:\(port)/token").text.hasSuffix("\r\n\r\nt-two"))
    for text in [updated.all, rotated.all, h.stateText()] { #expect(!text.contains("t-one") && !text.contains("t-two")) }
    #expect(try h.run(["plan"], env: env).stdout.contains("No changes."))

    // Scaled down by hand: a node runs no task any more, and the plan sees nginx's upstream still list it; the apply
    // scales back and the upstream follows the tasks.
    _ = Self.docker(["service", "scale", "-d", "\(name)=2"])
    #expect(eventually(within: 30) { Self.docker(["service", "ps", "-q", "--filter", "desired-state=running", name]).split(separator: "\n").count == 2 })
    let moved = try h.run(["plan"], env: env).stdout
    #expect(moved.contains("~ site/\(name) (route: service/\(name) is at 10.231.0.1"), "\(moved)")
    #expect(moved.contains("~ service/\(name) (mode changed: '2 replicas' -> '3 replicas')"), "\(moved)")
    #expect(try h.run(["apply", "--auto-approve"], env: env).status == 0)
    let followed = ProxyTest.run(["sh", "-c", "cat \(prefix)/live/routes/*.conf"]).text
    #expect(followed.components(separatedBy: "server 10.231.0.1").count == 4, "\(followed)")
    #expect(try h.run(["plan"], env: env).stdout.contains("No changes."))
    print("swarm rolling update through nginx: \(load.total) requests, \(load.failures.values.reduce(0, +)) failed; update \(String(format: "%.1f", updateSeconds)) s")
  }

  /// New tasks that never become healthy: Swarm rolls the update back by itself; the apply fails saying so with
  /// the tasks' error, alerts `rollout-rolled-back`, and the next plan says this version was rolled back.
  @Test func anUpdateSwarmRollsBackIsReportedAndAlerted() throws {
    let h = try CLIHarness()
    let name = ControllerDockerTests.unique("svcrb")
    let env = ["DOCKER_HOST": Self.host]
    let receiver = try WebhookReceiver(secret: "s")
    defer {
      receiver.stop()
      _ = Self.docker(["service", "rm", name])
      h.cleanup()
    }
    func manifest(_ version: Int) -> String {
      // Version 2 never answers its healthcheck.
      #"""
      { "apiVersion": "reconcile/v1", "alerts": [ { "name": "ops", "type": "webhook", "url": "\#(receiver.url)", "secret": "s" } ],
        "resources": [
        { "kind": "service", "name": "\#(name)", "image": "local/busybox:1", "replicas": 2, "stopTimeout": 1,
          "command": ["sh", "-c", "test $VERSION = 2 || touch /tmp/ok; exec sleep 3600"], "env": { "VERSION": "\#(version)" },
          "healthcheck": { "command": "test -f /tmp/ok", "interval": "1s", "retries": 1 }, "labels": { "io.reconcile.test": "1" },
          "update": { "parallelism": 1, "order": "start-first", "failureAction": "rollback", "monitor": "3s" },
          "rollback": { "parallelism": 0, "order": "stop-first" } } ] }
      """#
    }
    try h.manifest(manifest(1))
    #expect(try h.run(["apply", "--auto-approve"], env: env).status == 0)
    try h.manifest(manifest(2))
    let r = try h.run(["apply", "--auto-approve"], env: env)
    #expect(r.status != 0, "\(r.all)")
    #expect(r.stdout.contains("Swarm rolled the update back: rollback completed; its tasks failed: task: non-zero exit"), "\(r.all)")
    #expect(Self.docker(["service", "inspect", "-f", "{{json .Spec.TaskTemplate.ContainerSpec.Env}}", name]) == #"["VERSION=1"]"#, "Swarm went back")
    #expect(eventually(within: 10) { !receiver.alerts("rollout-rolled-back").isEmpty })
    let alert = receiver.alerts("rollout-rolled-back").first ?? [:]
    #expect(alert["subject"] as? String == "service/\(name)" && (alert["message"] as? String ?? "").contains("Swarm rolled the update back"), "\(alert)")
    // The next plan knows the wanted version failed, and why, before trying it again.
    let plan = try h.run(["plan"], env: env).stdout
    #expect(plan.contains("env.VERSION changed: '1' -> '2'; Swarm rolled back this version (task: non-zero exit"), "\(plan)")
    #expect(plan.contains("applying tries it again"), "\(plan)")
  }

  /// Four replicas spread over the three nodes; one node's engine stops: its tasks run on the others, `status` names
  /// it, and a service that can only run there is reported as such (never fought). The node comes back after.
  @Test func aNodeGoesDownAndItsTasksMove() throws {
    let h = try CLIHarness()
    let spread = ControllerDockerTests.unique("svcspread"), pinned = ControllerDockerTests.unique("svcpin")
    let env = ["DOCKER_HOST": Self.host]
    defer {
      Self.restoreCluster()
      _ = Self.docker(["service", "rm", spread, pinned])
      h.cleanup()
    }
    try h.manifest(
      #"""
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "node", "name": "node-3", "labels": { "io.reconcile.test.zone": "c" } },
        { "kind": "service", "name": "\#(spread)", "image": "local/busybox:1", "replicas": 4, "command": ["sleep", "3600"], "stopTimeout": 1,
          "labels": { "io.reconcile.test": "1" } },
        { "kind": "service", "name": "\#(pinned)", "image": "local/busybox:1", "replicas": 1, "command": ["sleep", "3600"], "stopTimeout": 1,
          "constraints": ["node.labels.io.reconcile.test.zone == c"], "labels": { "io.reconcile.test": "1" }, "dependsOn": ["node/node-3"] } ] }
      """#)
    let r = try h.run(["apply", "--auto-approve"], env: env)
    #expect(r.status == 0, "\(r.all)")
    func nodes(_ service: String) -> [String] {
      Self.docker(["service", "ps", "--filter", "desired-state=running", "--format", "{{.Node}} {{.CurrentState}}", service]).split(separator: "\n")
        .filter { $0.contains("Running") }.map { String($0.split(separator: " ")[0]) }
    }
    #expect(Set(nodes(spread)).count == 3 && nodes(spread).count == 4, "\(nodes(spread))")
    #expect(nodes(pinned) == ["node-3"])
    #expect(try h.run(["plan"], env: env).stdout.contains("No changes."))

    let pid = try #require(Int32((try? String(contentsOfFile: Self.nodePath(3, "pid"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
    kill(pid, SIGTERM)
    // Swarm notices within its heartbeat: node-3 is down, the pinned service has nowhere to go.
    var plan = ""
    #expect(
      eventually(within: 60) {
        plan = (try? h.run(["plan"], env: env).stdout) ?? ""
        return plan.contains("~ service/\(pinned) (0 of 1 tasks running; node 'node-3' is down)")
      }, "\(plan)")
    #expect(eventually(within: 60) { nodes(spread).count == 4 && !nodes(spread).contains("node-3") }, "\(nodes(spread))")
    let status = try h.run(["status"], env: env).stdout
    #expect(status.contains(#/node-3 +worker +down/#) && status.contains("Down: node-3"), "\(status)")
    let json = try h.run(["status", "--json"], env: env).stdout
    #expect(json.contains(#""name" : "node-3""#) && json.contains(#""state" : "down""#), "\(json)")
    plan = try h.run(["plan"], env: env).stdout
    #expect(!plan.contains("service/\(spread)"), "the spread service runs its four tasks on the other nodes: \(plan)")

    // Back, and without the manifests: the services go and the node keeps only the labels it had.
    Self.restoreCluster()
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
    #expect(try h.run(["apply", "--auto-approve"], env: env).status == 0)
    #expect(Self.docker(["node", "inspect", "-f", "{{json .Spec.Labels}}", "node-3"]) == "{}")
  }
}
