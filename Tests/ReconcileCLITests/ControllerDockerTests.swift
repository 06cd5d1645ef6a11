import Foundation
import HTTPKit
import Testing
import TestSupport

/// Whether a Docker Engine is there for these tests (required, and so failing loudly, under scripts/test.sh).
enum TestEngine {
  static let host = ProcessInfo.processInfo.environment["DOCKER_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "unix:///var/run/docker.sock"
  static var socket: String { String(host.dropFirst("unix://".count)) }
  static let enabled: Bool = ProcessInfo.processInfo.environment["RECONCILE_REQUIRE_DOCKER"] == "1" || docker(["version"]).0 == 0

  /// Runs the docker CLI against the test engine.
  @discardableResult
  static func docker(_ args: [String], host: String = TestEngine.host) -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/docker")
    p.arguments = ["-H", host] + args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    guard (try? p.run()) != nil else { return (127, "docker CLI not found") }
    let d = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
  }

  static func state(_ name: String) -> String { docker(["inspect", "-f", "{{.State.Status}}", name]).1 }
}

/// The controller against the real Docker Engine: a killed container is restored or reported; the engine
/// going away leaves the controller running, not ready, and it reconnects when the engine is back.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct ControllerDockerTests {
  func containerManifest(_ name: String, receiver: WebhookReceiver, selfHeal: Bool) -> String {
    """
    { "apiVersion": "reconcile/v1", "policy": { "selfHeal": \(selfHeal) },
      "alerts": [ { "name": "ops", "type": "webhook", "url": "\(receiver.url)", "secret": "s" } ],
      "resources": [ { "kind": "container", "name": "\(name)", "image": "local/busybox:1",
        "command": ["/bin/httpd", "-f", "-p", "80", "-h", "/"], "init": true, "stopTimeout": "1s", "restart": "no",
        "labels": { "io.reconcile.test": "1" } } ] }
    """
  }

  static func unique(_ role: String) -> String { "rc-test-\(role)-\(UUID().uuidString.prefix(8).lowercased())" }

  /// Runs `body` against a controller following `containerManifest(_:receiver:selfHeal:)` for container `name` in a
  /// fresh sandbox, with the receiver of its alerts; the container is removed afterwards.
  func withController(
    _ name: String, selfHeal: Bool, changing change: (String) -> String = { $0 }, _ body: (String, WebhookReceiver, ControllerProcess) throws -> Void
  ) throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    defer { TestEngine.docker(["rm", "-f", name]) }
    let receiver = try WebhookReceiver(secret: "s")
    defer { receiver.stop() }
    try h.manifest(change(containerManifest(name, receiver: receiver, selfHeal: selfHeal)))
    let c = try ControllerProcess(h, [])
    defer { c.terminate() }
    try body(name, receiver, c)
  }

  @Test func aKilledContainerIsRestoredBySelfHeal() throws {
    try withController(Self.unique("ctl-heal"), selfHeal: true) { name, receiver, c in
      #expect(eventually(within: 60) { TestEngine.state(name) == "running" && c.lastRunOutcome == "succeeded" }, "\(c.log)")
      let started = Date()
      #expect(TestEngine.docker(["kill", name]).0 == 0)
      #expect(eventually(within: 30) { TestEngine.state(name) == "running" }, "not restored: \(c.log)")
      let restoredIn = Date().timeIntervalSince(started)
      #expect(eventually(within: 10) { !receiver.alerts("container-died").isEmpty })
      #expect(c.log.contains("Docker Engine event (die \(name))"))
      #expect(c.stop() == 0)
      print("container killed -> running again in \(String(format: "%.2f", restoredIn)) s")
    }
  }

  /// Another reconcile on the same engine labels its containers too: their events are not this controller's
  /// business and trigger no run; its own container's do.
  @Test func eventsOfAnotherReconcilesContainersTriggerNothing() throws {
    try withController(Self.unique("ctl-own"), selfHeal: true) { name, _, c in
      #expect(eventually(within: 60) { TestEngine.state(name) == "running" && c.lastRunOutcome == "succeeded" }, "\(c.log)")
      let other = Self.unique("ctl-other")
      defer { TestEngine.docker(["rm", "-f", other]) }
      let labels = ["--label", "io.reconcile.managed=true", "--label", "io.reconcile.resource=container/\(other)", "--label", "io.reconcile.test=1"]
      #expect(TestEngine.docker(["run", "-d", "--name", other] + labels + ["local/busybox:1", "sleep", "600"]).0 == 0)
      let runs = (c.status()["lastRun"] as? [String: Any])?["number"] as? Int
      #expect(TestEngine.docker(["kill", other]).0 == 0)
      #expect(TestEngine.docker(["rm", "-f", other]).0 == 0)
      // Long enough for the events to arrive and a run to start, had they triggered one.
      Thread.sleep(forTimeInterval: 2)
      #expect((c.status()["lastRun"] as? [String: Any])?["number"] as? Int == runs, "\(c.log)")
      #expect(!c.log.contains("Docker Engine event (die \(other))"))
      #expect(c.stop() == 0)
    }
  }

  /// A run for an Engine event that finds nothing to do (here: `docker restart`, whose `die` is seen after the
  /// container runs again) is followed by one more look shortly after, instead of waiting for the next resync.
  @Test func anEngineEventWhoseRunFindsNothingIsCheckedOnceMore() throws {
    try withController(Self.unique("ctl-recheck"), selfHeal: true) { name, _, c in
      #expect(eventually(within: 60) { TestEngine.state(name) == "running" && c.lastRunOutcome == "succeeded" }, "\(c.log)")
      #expect(TestEngine.docker(["restart", "-t", "1", name]).0 == 0)
      #expect(eventually(within: 20) { c.log.contains("re-check after Docker Engine event (") }, "\(c.log)")
      #expect(c.stop() == 0)
    }
  }

  /// A container that a restart cannot make healthy is restarted a few times, then degraded and left alone, with an
  /// alert: not restarted in a loop.
  @Test func anUnhealthyContainerThatRestartsCannotFixIsDegraded() throws {
    let failing = #""restart": "no", "healthcheck": { "command": "false", "interval": "300ms", "timeout": "1s", "retries": 1 },"#
    try withController(Self.unique("ctl-sick"), selfHeal: true, changing: { $0.replacingOccurrences(of: #""restart": "no","#, with: failing) }) {
      name, receiver, c in
      #expect(eventually(within: 90) { !receiver.alerts("resource-degraded").isEmpty }, "\(c.log)")
      let restarts = { TestEngine.docker(["inspect", "-f", "{{.State.StartedAt}}", name]).1 }
      let settled = restarts()
      Thread.sleep(forTimeInterval: 4)
      #expect(restarts() == settled, "still restarted after it was degraded: \(c.log)")
      #expect(c.log.components(separatedBy: "container is unhealthy").count - 1 <= 8, "\(c.log)")
      #expect(c.stop() == 0)
    }
  }

  @Test func reportOnlyReportsADeadContainerAndLeavesIt() throws {
    try withController(Self.unique("ctl-report"), selfHeal: false) { name, receiver, c in
      #expect(eventually(within: 60) { TestEngine.state(name) == "running" && c.lastRunOutcome == "succeeded" }, "\(c.log)")
      #expect(TestEngine.docker(["kill", name]).0 == 0)
      #expect(eventually(within: 30) { !receiver.alerts("container-died").isEmpty && !receiver.alerts("drift-detected").isEmpty }, "\(c.log)")
      #expect(TestEngine.state(name) == "exited")
      #expect(c.stop() == 0)
    }
  }

  @Test func theControllerOutlivesTheEngineGoingAwayAndReconnects() throws {
    // A socat relay in front of the shared engine stands for the engine's socket: stopping it takes the engine
    // away from the controller without stopping the engine under the rest of the suite.
    let h = try CLIHarness()
    defer { h.cleanup() }
    let relay = "\(h.root)/engine.sock"
    func startRelay() throws -> Process {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/usr/bin/socat")
      p.arguments = ["UNIX-LISTEN:\(relay),fork,unlink-early", "UNIX-CONNECT:\(TestEngine.socket)"]
      try p.run()
      _ = eventually(within: 10) { FileManager.default.fileExists(atPath: relay) }
      return p
    }
    let name = Self.unique("ctl-engine")
    defer { TestEngine.docker(["rm", "-f", name]) }
    let receiver = try WebhookReceiver(secret: "s")
    defer { receiver.stop() }
    try h.manifest(containerManifest(name, receiver: receiver, selfHeal: true))
    func killRelays() {
      let pkill = Process()
      pkill.executableURL = URL(fileURLWithPath: "/usr/bin/pkill")
      pkill.arguments = ["-KILL", "-f", "UNIX-LISTEN:\(relay)"]
      try? pkill.run()
      pkill.waitUntilExit()
    }
    var socat = try startRelay()
    defer { killRelays() }
    let c = try ControllerProcess(h, ["--backoff-cap", "2s"], env: ["DOCKER_HOST": "unix://\(relay)"])
    defer { c.terminate() }
    #expect(eventually(within: 60) { TestEngine.state(name) == "running" && c.lastRunOutcome == "succeeded" }, "\(c.log)")
    #expect(eventually(within: 10) { (try? c.request("GET", "/readyz").status) == 200 })
    // socat forks a child per connection: kill them all (SIGKILL: SIGTERM may be ignored, inherited from
    // the test runner), so every connection to the engine drops.
    killRelays()
    socat.waitUntilExit()
    try? FileManager.default.removeItem(atPath: relay)
    #expect(eventually(within: 30) { (try? c.request("GET", "/readyz").status) == 503 }, "\(c.log)")
    #expect(eventually(within: 10) { !receiver.alerts("engine-unreachable").isEmpty })
    #expect(try c.request("GET", "/healthz").status == 200)
    socat = try startRelay()
    #expect(TestEngine.docker(["kill", name]).0 == 0)
    #expect(eventually(within: 60) { (try? c.request("GET", "/readyz").status) == 200 && TestEngine.state(name) == "running" }, "\(c.log)")
    #expect(c.stop() == 0)
  }
}
