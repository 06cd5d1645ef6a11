import DockerEngine
import Foundation
import ReconcileCore
import Testing
import TestSupport

@testable import ReconcileDrivers

@Suite("Docker start-first replacement against the real Engine", .enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
struct DockerStartFirstTests {
  /// A start-first container whose healthcheck runs `check` and which writes `VERSION` to `/tmp/version`; with a
  /// `port`, it serves `VERSION` over HTTP there instead (from `/tmp/www/index.html`).
  static func manifest(_ h: DockerKindHarness, name: String, version: String, check: String, within: String = "20s", port: Int? = nil) throws -> Manifest {
    let command =
      port == nil
      ? "echo $VERSION > /tmp/version; exec sleep 600" : "mkdir -p /tmp/www; echo $VERSION > /tmp/www/index.html; exec httpd -f -p 80 -h /tmp/www"
    let ports = port.map { ", \"ports\": [\"127.0.0.1:\($0):80\"]" } ?? ""
    return try h.decode(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "container", "name": "\(name)", "image": "local/busybox:1", "init": true, "stopTimeout": 2,
          "command": ["/bin/sh", "-c", "\(command)"], "env": { "VERSION": "\(version)" }\(ports),
          "healthcheck": { "command": "\(check)", "interval": "200ms", "timeout": "10s", "retries": 2 },
          "update": { "strategy": "start-first", "healthyWithin": "\(within)" } } ] }
      """)
  }

  /// Runs `body` once version 1 of a container named from `prefix` is applied, with the container as it runs.
  static func withVersionOne(
    _ prefix: String, _ body: (DockerTestScope, DockerKindHarness, String, DockerContainerInspect) async throws -> Void
  ) async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName(prefix)
      try await h.applyAndExpectNoChanges(try Self.manifest(h, name: name, version: "1", check: "test -f /tmp/version"))
      try await body(scope, h, name, try await scope.client.inspectContainer(name))
    }
  }

  @Test func newContainerTakesOverOnceHealthy() async throws {
    try await Self.withVersionOne("sf") { scope, h, name, old in
      let next = try Self.manifest(h, name: name, version: "2", check: "test -f /tmp/version")
      let plan = try await h.plan(next)
      #expect(h.render(plan).contains("-/+ container/\(name) (env.VERSION changed: '1' -> '2')"), "\(h.render(plan))")
      try await h.applyAndExpectNoChanges(next)
      let new = try await scope.client.inspectContainer(name)
      #expect(new.id != old.id)
      #expect(new.state.running)
      #expect(new.config.env?.contains("VERSION=2") == true)
      #expect(try await scope.client.inspectContainerIfPresent(old.id) == nil)
      #expect(try await scope.client.inspectContainerIfPresent(StartFirstReplacement.temporaryName(name)) == nil)
    }
  }

  @Test func unhealthyReplacementIsRemovedAndTheOldOneKeepsRunning() async throws {
    try await Self.withVersionOne("sfbad") { scope, h, name, old in
      let broken = try Self.manifest(h, name: name, version: "2", check: "echo probe-says-no; exit 1", within: "10s")
      let failures = try await h.apply(broken)
      #expect(failures.count == 1)
      let text = failures.first ?? ""
      #expect(text.hasPrefix("could not replace container/\(name) (start-first): the new container became unhealthy"), "\(text)")
      #expect(text.contains("the new container was removed and the old one keeps running"), "\(text)")
      #expect(text.contains("exit 1: probe-says-no"), "\(text)")
      let still = try await scope.client.inspectContainer(name)
      #expect(still.id == old.id)
      #expect(still.state.running)
      #expect(still.state.startedAt == old.state.startedAt, "the old container was restarted")
      #expect(try await scope.client.inspectContainerIfPresent(StartFirstReplacement.temporaryName(name)) == nil)
      // The manifest still asks for the change: the next plan shows it again.
      #expect(try await !h.plan(broken).isEmpty)
    }
  }

  @Test func replacementThatNeverBecomesHealthyHitsTheDeadline() async throws {
    try await Self.withVersionOne("sfslow") { scope, h, name, old in
      // A start period longer than the deadline keeps the health 'starting'.
      let slow = try h.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "container", "name": "\(name)", "image": "local/busybox:1", "init": true, "stopTimeout": 2,
            "command": ["/bin/sleep", "600"],
            "healthcheck": { "command": "exit 1", "interval": "30s", "startPeriod": "60s" },
            "update": { "strategy": "start-first", "healthyWithin": "1s" } } ] }
        """)
      let started = ContinuousClock.now
      let failures = try await h.apply(slow)
      #expect(ContinuousClock.now - started < .seconds(45), "the 1 s deadline was not kept (the health would only turn after the 60 s start period)")
      #expect(failures.first?.contains("the new container did not become healthy within 1s (health: starting)") == true, "\(failures)")
      #expect(try await scope.client.inspectContainer(name).id == old.id)
    }
  }

  @Test func withHostPortsTheNewOneIsProvenFirstThenTakesThePort() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("sfport")
      let port = Int.random(in: 30000...39999)
      try await h.applyAndExpectNoChanges(try Self.manifest(h, name: name, version: "one", check: "test -f /tmp/www/index.html", port: port))
      #expect(try await fetch("http://127.0.0.1:\(port)/index.html") == "one\n")
      let old = try await scope.client.inspectContainer(name)

      // A replacement that never becomes healthy: the old one keeps its port and keeps serving.
      let failures = try await h.apply(try Self.manifest(h, name: name, version: "bad", check: "exit 1", port: port))
      #expect(failures.first?.contains("the new container was removed and the old one keeps running") == true, "\(failures)")
      #expect(try await scope.client.inspectContainer(name).id == old.id)
      #expect(try await fetch("http://127.0.0.1:\(port)/index.html") == "one\n")

      // A healthy replacement takes the port over.
      try await h.applyAndExpectNoChanges(try Self.manifest(h, name: name, version: "two", check: "test -f /tmp/www/index.html", port: port))
      #expect(try await scope.client.inspectContainer(name).id != old.id)
      #expect(try await fetch("http://127.0.0.1:\(port)/index.html") == "two\n")
      #expect(try await scope.client.inspectContainerIfPresent(StartFirstReplacement.temporaryName(name)) == nil)
    }
  }
}

/// What an apply killed in the middle of a container step leaves behind, against the real Engine: the next plan
/// sees it by the resource's labels and the next apply converges.
@Suite("Docker leftovers of interrupted applies", .enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
struct DockerInterruptedApplyTests {
  @Test func aTemporaryCopyLeftByAKilledReplacementIsSeenAndRemoved() async throws {
    try await DockerStartFirstTests.withVersionOne("sfleft") { scope, h, name, old in
      // A kill after the copy started and before it took the name: the copy runs beside the container.
      let spec = try #require(try DockerStartFirstTests.manifest(h, name: name, version: "2", check: "test -f /tmp/version").resources[0].spec as? ContainerSpec)
      let temporary = StartFirstReplacement.temporaryName(name)
      let performer = ContainerStepPerformer(client: scope.client, extraLabels: scope.labels, retention: .none)
      let step = Step(id: spec.id, action: .replace, why: [], changes: [], desired: spec, prior: nil)
      _ = try await performer.create(spec, step: step, name: temporary)
      let v1 = try DockerStartFirstTests.manifest(h, name: name, version: "1", check: "test -f /tmp/version")
      let plan = try await h.plan(v1)
      #expect(
        h.render(plan).contains("~ container/\(name) (a temporary copy from an interrupted replacement runs beside it (\(temporary)); it is removed)"),
        "\(h.render(plan))")
      try await h.applyAndExpectNoChanges(v1)
      #expect(try await scope.client.inspectContainerIfPresent(temporary) == nil)
      #expect(try await scope.client.inspectContainer(name).id == old.id, "the container itself is left alone")
    }
  }

  @Test func aContainerCreatedButNeverStartedIsMadeAnew() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("created")
      let m = try DockerStartFirstTests.manifest(h, name: name, version: "1", check: "test -f /tmp/version")
      try await h.applyAndExpectNoChanges(m)
      // The engine stopped between create and start: the same container, created and never started.
      let spec = try #require(m.resources[0].spec as? ContainerSpec)
      try await scope.client.removeContainer(name, force: true)
      var stopped = spec
      stopped.state = .stopped
      let step = Step(id: spec.id, action: .create, why: [], changes: [], desired: stopped, prior: nil)
      let created = try await ContainerStepPerformer(client: scope.client, extraLabels: scope.labels, retention: .none).create(stopped, step: step)
      #expect(try await scope.client.inspectContainer(created).state.status == "created")
      let plan = try await h.plan(m)
      #expect(h.render(plan).contains("-/+ container/\(name) (container is created but was never started; it is made anew)"), "\(h.render(plan))")
      try await h.applyAndExpectNoChanges(m)
      let now = try await scope.client.inspectContainer(name)
      #expect(now.state.running && now.id != created)
    }
  }

  @Test func observationSurvivesContainersRemovedBetweenListAndInspect() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let names = (0..<4).map { _ in DockerTestEngine.uniqueName("gone") }
      let m = try h.decode(
        #"{ "apiVersion": "reconcile/v1", "resources": [ "#
          + names.map {
            #"{ "kind": "container", "name": "\#($0)", "image": "local/busybox:1", "command": ["sleep", "600"], "init": true, "restart": "unless-stopped", "memory": "64m" }"#
          }
          .joined(separator: ", ") + "] }")
      try await h.applyAndExpectNoChanges(m)
      // Observe again and again while the containers go away underneath: every observation answers.
      let remover = Task { for n in names { try? await scope.client.removeContainer(n, force: true) } }
      var failures: [String] = []
      for _ in 0..<20 {
        do { _ = try await h.observe(m) } catch { failures.append("\(error)") }
      }
      await remover.value
      #expect(failures.isEmpty, "\(failures.first ?? "")")
      let plan = try await h.plan(m)
      #expect(plan.steps.count == 4 && plan.steps.allSatisfy { $0.action == .create }, "\(h.render(plan))")
    }
  }
}

/// Two projects on one Engine (two state directories, or two declared `project` names): neither takes, replaces or
/// prunes the other's objects, even under the same names.
@Suite("Docker projects on a shared Engine", .enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
struct DockerProjectIsolationTests {
  @Test func anotherProjectsObjectsAreConflictsNeverReplacedOrPruned() async throws {
    try await DockerTestScope.run { scope in
      let mine = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("proj")
      let m = try mine.decode(
        #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "volume", "name": "\#(name)-data" }, { "kind": "container", "name": "\#(name)", "image": "local/busybox:1", "command": ["sleep", "600"], "init": true, "mounts": [ { "volume": "volume/\#(name)-data", "target": "/data" } ] } ] }"#
      )
      try await mine.applyAndExpectNoChanges(m)
      let ours = try await scope.client.inspectContainer(name)
      #expect(ours.config.labels?["io.reconcile.project"] == "lineage-tests")

      // The same manifests from another state: another project.
      let theirs = ApplyHarness(host: DriverSet([mine.driver]), store: MemoryStateStore(StateSnapshot(lineage: "another-state")))
      let plan = try await theirs.plan(m)
      let text = PlanTextRenderer().render(plan)
      #expect(text.contains("+ container/\(name) (not present on the host; the container name '\(name)' is used by project 'lineage-tests'"), "\(text)")
      #expect(text.contains("+ volume/\(name)-data (not present on the host; the volume name '\(name)-data' is used by project 'lineage-tests'"), "\(text)")
      #expect(!plan.steps.contains { $0.action == .replace || $0.action == .destroy })
      let failures = ApplyHarness.failures(try await theirs.apply(m))
      #expect(!failures.isEmpty, "creating over another project's names must fail")
      #expect(try await scope.client.inspectContainer(name).id == ours.id, "the other project's container is untouched")

      // A state that recorded the name (say, before the other project took it) never prunes the other's object.
      var recorded = StateSnapshot(lineage: "another-state")
      recorded.resources[ResourceID(kind: "container", name: name)] = mine.harness.state.resources[ResourceID(kind: "container", name: name)]
      let pruner = ApplyHarness(host: DriverSet([mine.driver]), store: MemoryStateStore(recorded))
      let empty = try mine.decode(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
      let prune = try await pruner.plan(empty)
      #expect(prune.steps.isEmpty && prune.forgotten == [ResourceID(kind: "container", name: name)], "\(PlanTextRenderer().render(prune))")
      #expect(try await scope.client.inspectContainer(name).id == ours.id)
    }
  }
}

/// A container step is done when the start holds: healthy with a healthcheck, still running after `startupGrace`
/// without one. Otherwise the step fails with what happened and the container's last log lines, and nothing is left.
@Suite("Docker health-gated starts", .enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
struct DockerStartGateTests {
  @Test func aContainerThatExitsRightAfterItsStartFailsItsStep() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("crash")
      let m = try h.decode(
        #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "container", "name": "\#(name)", "image": "local/busybox:1", "command": ["/bin/sh", "-c", "echo cannot open the database; sleep 0.3; exit 3"] } ] }"#
      )
      let failures = try await h.apply(m)
      let text = failures.first ?? ""
      #expect(text.contains("the container exited with code 3 within 2s of its start"), "\(text)")
      #expect(text.contains("last log lines:\n    cannot open the database"), "\(text)")
      #expect(try await scope.client.inspectContainerIfPresent(name) == nil, "nothing is left behind")
      #expect(try await h.plan(m).steps.map(\.action) == [.create], "the next plan creates it again")
    }
  }

  @Test func aContainerThatNeverBecomesHealthyFailsItsStep() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("sick")
      let m = try h.decode(
        #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "container", "name": "\#(name)", "image": "local/busybox:1", "command": ["sleep", "600"], "init": true, "healthcheck": { "command": "echo probe-failed; exit 1", "interval": "200ms", "retries": 1 }, "update": { "healthyWithin": "3s" } } ] }"#
      )
      let text = try await h.apply(m).first ?? ""
      #expect(text.contains("the new container became unhealthy") || text.contains("did not become healthy within 3s"), "\(text)")
      #expect(text.contains("probe-failed"), "\(text)")
      #expect(try await scope.client.inspectContainerIfPresent(name) == nil)
    }
  }
}
