import Foundation
import Testing
import TestSupport

/// Canary and blue-green through a real nginx, against the real Engine, with a load generator counting every
/// response: a good version is promoted step by step with no failed request (a 2-second request in flight at the
/// switches); a bad one (500 on a quarter of its requests) is rolled back by the analysis, with its figures.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct RolloutTests {
  static var canary: [String: Any] { ["strategy": "canary", "steps": [20, 50], "interval": "2s", "drainTimeout": "10s"] }

  /// Applies version 2 under load and checks that no request failed and that every step was judged within limits.
  @discardableResult
  func promotes(_ role: String, update: [String: Any], notes: [String]) throws -> (out: String, history: [String]) {
    var out = ""
    var historyNotes: [String] = []
    try ZeroDowntimeTests.withApp(role, update: update) { h, prefix, name, port in
      let load = LoadGenerator(url: "http://127.0.0.1:\(port)/version", threads: 8, pause: 0.003, slowURL: "http://127.0.0.1:\(port)/cgi-bin/slow")
      Thread.sleep(forTimeInterval: 1)
      try h.manifest(ZeroDowntimeTests.manifest(name, version: 2, prefix: prefix, port: port, update: update))
      let applyStarted = Date()
      let r = try h.run(["apply", "--auto-approve"])
      let applyEnded = Date()
      _ = eventually(within: 20) { load.total >= 2500 }
      load.stop()

      #expect(r.status == 0, "\(r.all)")
      for note in notes { #expect(r.stdout.contains("container/\(name): \(note)"), "\(r.stdout)") }
      #expect(load.failures.isEmpty, "failed requests: \(load.failures) of \(load.total)\n\(r.stdout)")
      #expect(load.total >= 2000 && load.perSecond >= 200, "\(load.total) requests at \(Int(load.perSecond))/s")
      let counts = load.counts.current
      #expect((counts["200 1"] ?? 0) > 0 && (counts["200 2"] ?? 0) > 0, "\(counts)")
      #expect(load.slow.current.allSatisfy { $0.outcome == "200 slow" } && load.slow.current.contains { $0.started < applyEnded && $0.ended > applyStarted })
      #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n2\n"))
      #expect(try h.run(["plan"]).stdout.contains("No changes."))
      out = r.stdout
      let last = (h.read(h.state + "/history.jsonl") ?? "").split(separator: "\n").last.map(String.init) ?? ""
      let entry = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
      let steps = entry?["steps"] as? [[String: Any]] ?? []
      historyNotes = steps.first { $0["address"] as? String == "container/\(name)" }?["notes"] as? [String] ?? []
      print(
        "\(role): \(load.total) requests at \(Int(load.perSecond))/s, \(load.failures.values.reduce(0, +)) failed, apply \(String(format: "%.1f", applyEnded.timeIntervalSince(applyStarted))) s"
      )
    }
    return (out, historyNotes)
  }

  @Test func aGoodCanaryIsPromotedStepByStepWithoutAFailedRequest() throws {
    let (out, historyNotes) = try promotes("canary", update: Self.canary, notes: ["canary at 20%: ", "canary at 50%: ", "canary at 100%: "])
    // Each step's figures: the new version had its share of the requests, and none failed.
    for step in [20, 50, 100] {
      let m = try #require(out.firstMatch(of: try Regex(#"canary at \#(step)%: (\d+) requests?, 0 errors \(0%\), p95 \d+ms; within limits"#)), "\(out)")
      #expect(Int(m.output[1].substring!)! > 0)
    }
    // The history keeps each step's figures with the step.
    #expect(historyNotes.count == 3 && historyNotes[0].hasPrefix("canary at 20%: ") && historyNotes[2].hasPrefix("canary at 100%: "), "\(historyNotes)")
  }

  @Test func blueGreenSwitchesAtOnceAndKeepsTheOldOneReady() throws {
    try promotes("bluegreen", update: ["strategy": "blue-green", "interval": "2s", "drainTimeout": "10s"], notes: ["blue-green at 100%: "])
  }

  /// `keepPrevious`: the replaced version stays running out of the upstream, and `reconcile rollback` switches back to
  /// that very container at once (nothing to start, no health check to wait for), under load with no failed request;
  /// the version it left is kept in turn. Once the manifests no longer keep one, the plan removes it.
  @Test func blueGreenKeepsThePreviousVersionForAnInstantRollback() throws {
    let update: [String: Any] = ["strategy": "blue-green", "interval": "1s", "drainTimeout": "10s", "keepPrevious": "10m"]
    try ZeroDowntimeTests.withApp("keepprev", update: update) { h, prefix, name, port in
      func id(_ container: String) -> String { TestEngine.docker(["inspect", "-f", "{{.Id}}", container]).1.trimmingCharacters(in: .whitespacesAndNewlines) }
      let previous = name + "-reconcile-previous"
      let v1 = id(name)
      try h.manifest(ZeroDowntimeTests.manifest(name, version: 2, prefix: prefix, port: port, update: update))
      let forward = try h.run(["apply", "--auto-approve"])
      #expect(forward.status == 0, "\(forward.all)")
      #expect(
        forward.stdout.contains("then the old one is kept running out of the upstream for 10m, so that going back to it is a switch")
          && forward.stdout.contains("container/\(name): blue-green keeps the previous version running out of the upstream as \(previous) until "),
        "\(forward.stdout)")
      let v2 = id(name)
      #expect(id(previous) == v1 && v2 != v1)
      #expect(TestEngine.docker(["inspect", "-f", "{{.State.Running}}", previous]).1.hasPrefix("true"))
      #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n2\n"), "the kept one is out of the upstream")
      #expect(try h.run(["plan"]).stdout.contains("No changes."))

      let load = LoadGenerator(url: "http://127.0.0.1:\(port)/version", threads: 8, pause: 0.003, slowURL: "http://127.0.0.1:\(port)/cgi-bin/slow")
      Thread.sleep(forTimeInterval: 1)
      let started = Date()
      let back = try h.run(["rollback", "--auto-approve"])
      let took = Date().timeIntervalSince(started)
      _ = eventually(within: 20) { load.total >= 2000 }
      load.stop()
      #expect(back.status == 0, "\(back.all)")
      #expect(back.stdout.contains("the previous version, kept running until "), "the plan says so: \(back.stdout)")
      #expect(back.stdout.contains("blue-green switches back to the previous version, kept running as \(previous): no container to start"), "\(back.stdout)")
      #expect(id(name) == v1 && id(previous) == v2, "the very container of version 1 is back; version 2 is kept in turn")
      #expect(load.failures.isEmpty, "failed requests: \(load.failures) of \(load.total)")
      #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n1\n"))
      print(
        "blue-green rollback to the kept version: \(String(format: "%.2f", took)) s (1 s of it the blue-green interval), \(load.total) requests, \(load.failures.values.reduce(0, +)) failed"
      )

      // Nothing keeps one any more: the plan removes it.
      var plain = update
      plain["keepPrevious"] = nil
      try h.manifest(ZeroDowntimeTests.manifest(name, version: 1, prefix: prefix, port: port, update: plain))
      let plan = try h.run(["plan"]).stdout
      #expect(
        plan.contains("~ container/\(name) (the previous version kept for a quick switch back (\(previous)) is past its keepPrevious; it is removed)"), "\(plan)")
      #expect(try h.run(["apply", "--auto-approve"]).status == 0)
      #expect(TestEngine.docker(["ps", "-aq", "--filter", "name=^/\(previous)$"]).1.isEmpty && id(name) == v1)
      #expect(try h.run(["plan"]).stdout.contains("No changes."))
    }
  }

  @Test func aVersionThatFailsAQuarterOfItsRequestsIsRolledBack() throws {
    try ZeroDowntimeTests.withApp("badcanary", update: Self.canary) { h, prefix, name, port in
      let receiver = try WebhookReceiver(secret: "s")
      defer { receiver.stop() }
      let load = LoadGenerator(url: "http://127.0.0.1:\(port)/cgi-bin/v", threads: 4, pause: 0.005)
      Thread.sleep(forTimeInterval: 1)
      let alerts = ["alerts": [["name": "ops", "type": "webhook", "url": receiver.url, "secret": "s"]]]
      try h.manifest(ZeroDowntimeTests.manifest(name, version: 2, prefix: prefix, port: port, env: ["FAIL": "25"], update: Self.canary, top: alerts))
      let r = try h.run(["apply", "--auto-approve"])
      Thread.sleep(forTimeInterval: 1)
      load.stop()

      #expect(r.status != 0, "\(r.all)")
      let rolledBack = try #require(r.stdout.firstMatch(of: #/canary rolled back at 20%: error rate (\d+(\.\d)?)% > 5% \((\d+) of (\d+) requests\)/#), "\(r.stdout)")
      #expect(Int(rolledBack.output.3)! > 0 && Int(rolledBack.output.4)! >= 20)
      #expect(r.stdout.contains("every request goes to the old container again and the new one was removed"), "\(r.stdout)")
      // An alert with the figures.
      #expect(eventually(within: 10) { !receiver.alerts("rollout-rolled-back").isEmpty })
      let alert = receiver.alerts("rollout-rolled-back").first ?? [:]
      #expect(alert["subject"] as? String == "container/\(name)" && (alert["message"] as? String ?? "").contains("canary rolled back at 20%: error rate "), "\(alert)")
      // The only failures are the bad version's own answers, never a refused or dropped request.
      #expect(load.failures.keys.allSatisfy { $0 == "500 broken" }, "\(load.failures)")
      #expect((load.counts.current["200 2"] ?? 0) > 0, "the bad version had its share: \(load.counts.current)")
      #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n1\n"))
      #expect(TestEngine.docker(["ps", "-aq", "--filter", "name=^/\(name)-reconcile-next$"]).1.isEmpty)
      // The desired version is still not in place: the plan says so again.
      #expect(try h.run(["plan"]).stdout.contains("-/+ container/\(name) (env.FAIL changed"))
    }
  }

  /// A version that answers, but slowly: its p95 breaks the limit and it is rolled back with the figure; every
  /// request is still answered.
  @Test func aSlowVersionIsRolledBackOnItsP95() throws {
    var update = Self.canary
    update["analysis"] = ["maxP95": "500ms", "minRequests": 10]
    try ZeroDowntimeTests.withApp("slowcanary", update: update) { h, prefix, name, port in
      let load = LoadGenerator(url: "http://127.0.0.1:\(port)/cgi-bin/v", threads: 6, pause: 0.005)
      Thread.sleep(forTimeInterval: 1)
      try h.manifest(ZeroDowntimeTests.manifest(name, version: 2, prefix: prefix, port: port, env: ["DELAY": "1"], update: update))
      let r = try h.run(["apply", "--auto-approve"])
      load.stop()
      #expect(r.status != 0, "\(r.all)")
      let m = try #require(r.stdout.firstMatch(of: #/canary rolled back at 20%: p95 (\d+\.\d+)s > 500ms/#), "\(r.stdout)")
      #expect(Double(m.output.1)! >= 1)
      #expect(load.failures.isEmpty, "slow, but every request answered: \(load.failures)")
      #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n1\n"))
    }
  }

  /// A canary at 30% that holds for a minute, applied under load and killed once nginx splits the requests; `body`
  /// gets the harness, prefix, name, port, the load and the new container's ID.
  func killedMidCanary(_ role: String, _ body: (CLIHarness, String, String, Int, LoadGenerator, String) throws -> Void) throws {
    let slow: [String: Any] = ["strategy": "canary", "steps": [30], "interval": "60s", "drainTimeout": "10s"]
    try ZeroDowntimeTests.withApp(role, update: slow) { h, prefix, name, port in
      let load = LoadGenerator(url: "http://127.0.0.1:\(port)/version", threads: 4, pause: 0.005)
      try h.manifest(ZeroDowntimeTests.manifest(name, version: 2, prefix: prefix, port: port, update: slow))
      let run = h.start(["apply", "--auto-approve"])
      let route = "\(prefix)/live/routes/reconcile_\(name.replacingOccurrences(of: "-", with: "_"))_8080.conf"
      #expect(eventually(within: 30) { (h.read(route) ?? "").contains("weight=30") }, "the canary split the requests")
      let next = TestEngine.docker(["inspect", "-f", "{{.Id}}", name + "-reconcile-next"]).1.trimmingCharacters(in: .whitespacesAndNewlines)
      kill(run.process.processIdentifier, SIGKILL)
      run.process.waitUntilExit()
      try body(h, prefix, name, port, load, next)
    }
  }

  /// Killed while nginx splits the requests: the plan says so, and the next apply of the same version goes on from
  /// the recorded step with the same new container; requests flow throughout and none fails.
  @Test func aCanaryKilledHalfwayIsResumedWhereItStopped() throws {
    try killedMidCanary("killcanary") { h, prefix, name, port, load, next in

      let plan = try h.run(["plan"]).stdout
      // Killed after the split was made live, nginx may not have loaded it yet: the plan says that too.
      #expect(plan.contains("~ site/\(name) (") && plan.contains("route: container/\(name) is at ") && plan.contains(" and "), "\(plan)")
      #expect(plan.contains("-/+ container/\(name) (env.VERSION changed: '1' -> '2'; a canary of this version was interrupted at 30%; it goes on from there"), "\(plan)")

      // Same version and steps, a shorter interval: it goes on at 30% with the container it had started.
      let quicker: [String: Any] = ["strategy": "canary", "steps": [30], "interval": "2s", "drainTimeout": "10s"]
      try h.manifest(ZeroDowntimeTests.manifest(name, version: 2, prefix: prefix, port: port, update: quicker))
      let r = try h.run(["apply", "--auto-approve"])
      load.stop()
      #expect(r.status == 0, "\(r.all)")
      #expect(r.stdout.contains("canary resumed at 30%, where the interrupted apply left it") && r.stdout.contains("canary at 100%: "), "\(r.stdout)")
      #expect(TestEngine.docker(["inspect", "-f", "{{.Id}}", name]).1.trimmingCharacters(in: .whitespacesAndNewlines) == next, "the new container it had started")
      #expect(load.failures.isEmpty, "\(load.failures) of \(load.total)")
      #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n2\n"))
      #expect(TestEngine.docker(["ps", "-aq", "--filter", "name=^/\(name)-reconcile-next$"]).1.isEmpty)
      #expect(try h.run(["plan"]).stdout.contains("No changes."))
    }
  }

  /// The controller carries a canary too. Stopped (SIGTERM) in the middle of a step, it leaves the split as it is and
  /// exits at once instead of holding the step to its end; started again, it goes on from that step with the same new
  /// container. Requests flow throughout and none fails.
  @Test func aControllerStoppedMidCanaryGoesOnWhenStartedAgain() throws {
    let slow: [String: Any] = ["strategy": "canary", "steps": [30, 60], "interval": "60s", "drainTimeout": "10s"]
    try ZeroDowntimeTests.withApp("ctlcanary", update: slow) { h, prefix, name, port in
      let load = LoadGenerator(url: "http://127.0.0.1:\(port)/version", threads: 4, pause: 0.005)
      try h.manifest(ZeroDowntimeTests.manifest(name, version: 2, prefix: prefix, port: port, update: slow))
      let route = "\(prefix)/live/routes/reconcile_\(name.replacingOccurrences(of: "-", with: "_"))_8080.conf"
      let first = try ControllerProcess(h, [])
      defer { first.terminate() }
      #expect(eventually(within: 30) { (h.read(route) ?? "").contains("weight=30") }, "the canary split the requests: \(first.log)")
      let next = TestEngine.docker(["inspect", "-f", "{{.Id}}", name + "-reconcile-next"]).1
      // The rollout under way, in the controller's metrics while its run holds the step.
      let metrics = try first.request("GET", "/metrics", token: first.token).text
      #expect(metrics.contains("reconcile_rollout_step{resource=\"container/\(name)\"} 0"), "\(metrics)")
      #expect(metrics.contains("reconcile_rollout_paused{resource=\"container/\(name)\"} 0"))
      // And on the controller's page: the rollout and its step under way.
      let overview = try JSONSerialization.jsonObject(with: Data(try first.request("GET", "/api/overview", token: first.token).body)) as? [String: Any]
      let running = overview?["running"] as? [[String: Any]] ?? []
      #expect(running.contains { $0["address"] as? String == "container/\(name)" && $0["action"] as? String == "replace" }, "\(overview ?? [:])")
      #expect((overview?["rollouts"] as? [[String: Any]])?.first?["resource"] as? String == "container/\(name)")
      let asked = Date()
      #expect(first.stop() == 0, "\(first.log)")
      let stopping = Date().timeIntervalSince(asked)
      #expect(stopping < 10, "stopped in \(stopping) s, not at the end of the 60 s step")
      #expect(first.log.contains("reconcile is stopping: the canary stays at 30% as it is, and the next run goes on from there"), "\(first.log)")
      #expect((h.read(route) ?? "").contains("weight=30"), "the split stays")

      // The same version and steps, quicker: the next controller goes on at 30% with the container it had.
      let quicker: [String: Any] = ["strategy": "canary", "steps": [30, 60], "interval": "2s", "drainTimeout": "10s"]
      try h.manifest(ZeroDowntimeTests.manifest(name, version: 2, prefix: prefix, port: port, update: quicker))
      let second = try ControllerProcess(h, [])
      defer { second.terminate() }
      #expect(eventually(within: 60) { second.log.contains("canary at 100%: ") && second.lastRunOutcome == "succeeded" }, "\(second.log)")
      #expect(second.log.contains("canary resumed at 30%, where the interrupted apply left it"), "\(second.log)")
      #expect(second.stop() == 0)
      load.stop()
      #expect(TestEngine.docker(["inspect", "-f", "{{.Id}}", name]).1 == next, "the new container it had started")
      #expect(load.failures.isEmpty, "\(load.failures) of \(load.total)")
      #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n2\n"))
      #expect(try h.run(["plan"]).stdout.contains("No changes."))
      print("controller stopped mid-canary in \(String(format: "%.2f", stopping)) s, resumed: \(load.total) requests, \(load.failures.values.reduce(0, +)) failed")
    }
  }

  /// With other steps than the interrupted canary's, it starts over: traffic goes back to the old container before
  /// the leftover goes.
  @Test func aCanaryKilledHalfwayWithNewStepsStartsOver() throws {
    try killedMidCanary("killrestart") { h, prefix, name, port, load, _ in
      try h.manifest(ZeroDowntimeTests.manifest(name, version: 2, prefix: prefix, port: port, update: Self.canary))
      let r = try h.run(["apply", "--auto-approve"])
      load.stop()
      #expect(r.status == 0 && !r.stdout.contains("resumed") && r.stdout.contains("canary at 20%: "), "\(r.all)")
      #expect(load.failures.isEmpty, "\(load.failures) of \(load.total)")
      #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n2\n"))
      #expect(try h.run(["plan"]).stdout.contains("No changes."))
    }
  }

  /// A `"pause"` step holds the share until a person decides from another shell: `reconcile promote` goes on to the
  /// end, `reconcile abort` goes back to the old version; requests flow throughout and none fails.
  @Test(arguments: ["promote", "abort"]) func aPauseWaitsForAPerson(_ decision: String) throws {
    let paused: [String: Any] = ["strategy": "canary", "steps": [30, "pause", 60], "interval": "1s", "drainTimeout": "10s"]
    try ZeroDowntimeTests.withApp("pause\(decision)", update: paused) { h, prefix, name, port in
      #expect(try h.run(["promote", name]).all.contains("no rollout of it waits at a pause"), "nothing waits yet")
      let load = LoadGenerator(url: "http://127.0.0.1:\(port)/version", threads: 4, pause: 0.005)
      try h.manifest(ZeroDowntimeTests.manifest(name, version: 2, prefix: prefix, port: port, update: paused))
      let run = h.start(["apply", "--auto-approve"])
      #expect(
        eventually(within: 30) { run.result().stdout.contains("container/\(name): canary paused at 30%: `reconcile promote \(name)` goes on") },
        "\(run.result().all)")
      // While it waits, both versions answer.
      Thread.sleep(forTimeInterval: 1)
      #expect((load.counts.current["200 2"] ?? 0) > 0 && run.process.isRunning)
      let answer = try h.run([decision, "container/\(name)"])
      #expect(answer.status == 0 && answer.stdout.contains("the apply waiting at 30%"), "\(answer.all)")
      run.process.waitUntilExit()
      load.stop()
      let out = run.result()
      #expect(load.failures.isEmpty, "\(load.failures) of \(load.total)")
      if decision == "promote" {
        #expect(out.status == 0 && out.stdout.contains("canary promoted at 30%; going on") && out.stdout.contains("canary at 100%: "), "\(out.all)")
        #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n2\n"))
      } else {
        #expect(out.status != 0 && out.stdout.contains("canary rolled back at 30%: aborted by `reconcile abort`"), "\(out.all)")
        #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n1\n"))
        #expect(TestEngine.docker(["ps", "-aq", "--filter", "name=^/\(name)-reconcile-next$"]).1.isEmpty)
      }
    }
  }
}
