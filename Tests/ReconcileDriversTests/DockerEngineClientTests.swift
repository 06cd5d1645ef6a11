@testable import DockerEngine
import HTTPKit
import Foundation
import Testing
import TestSupport

@testable import ReconcileDrivers
import Essentials

@Suite("DockerEngineClient against the real Engine", .enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
struct DockerEngineClientTests {
  @Test func pingAnswersOK() async throws {
    let client = try DockerTestEngine.client()
    #expect(try await client.ping() == "OK")
  }

  @Test func negotiatesTheLowerOfServerAndClientVersions() async throws {
    let client = try DockerTestEngine.client()
    let server = try await client.version()
    let chosen = try await client.apiVersion()
    #expect(DockerEngineClient.compare(chosen, server.apiVersion) <= 0)
    #expect(DockerEngineClient.compare(chosen, DockerEngineClient.maxAPIVersion) <= 0)
    #expect(chosen == server.apiVersion || chosen == DockerEngineClient.maxAPIVersion)
    // Negotiated from the ping's API-Version header, which names the version /version reports.
    let ping = try await client.send(DockerHTTPRequest(method: "GET", path: "/_ping"))
    #expect(ping.headers["api-version"] == server.apiVersion, "\(ping.headers)")
    // The negotiated prefix is used: a versioned call succeeds.
    _ = try await client.listContainers(labels: ["io.reconcile.test": "1"])
  }

  @Test func containerLifecycle() async throws {
    try await DockerTestScope.run { scope in
      let client = scope.client
      let name = DockerTestEngine.uniqueName("life")
      let id = try await client.createContainer(name: name, scope.busybox(["/bin/sleep", "300"]))
      var inspected = try await client.inspectContainer(name)
      #expect(inspected.id == id)
      #expect(inspected.name == "/" + name)
      #expect(inspected.state.status == "created")
      #expect(inspected.config.labels?["io.reconcile.test"] == "1")

      try await client.startContainer(id)
      inspected = try await client.inspectContainer(id)
      #expect(inspected.state.running)

      let started = ContinuousClock.now
      try await client.stopContainer(id, timeout: 30)
      // init: true forwards SIGTERM to sleep (exit 143), so the stop does not wait for the 30 s SIGKILL (137).
      #expect(ContinuousClock.now - started < .seconds(20))
      inspected = try await client.inspectContainer(id)
      #expect(inspected.state.status == "exited")
      #expect(inspected.state.exitCode == 143)
      #expect(!inspected.state.running)

      try await client.removeContainer(id)
      #expect(try await client.inspectContainerIfPresent(id) == nil)
    }
  }

  @Test func renameAndUpdateInPlace() async throws {
    try await DockerTestScope.run { scope in
      let client = scope.client
      let name = DockerTestEngine.uniqueName("upd")
      let id = try await client.createContainer(name: name, scope.busybox(["/bin/sleep", "300"]))
      try await client.updateContainer(
        id, DockerContainerUpdate(restartPolicy: .init(name: "unless-stopped"), memory: 64 << 20, memorySwap: 128 << 20, pidsLimit: 50))
      try await client.renameContainer(id, to: name + "-renamed")
      let inspected = try await client.inspectContainer(name + "-renamed")
      #expect(inspected.id == id)
      #expect(inspected.hostConfig.restartPolicy?.name == "unless-stopped")
      #expect(inspected.hostConfig.memory == 64 << 20)
      #expect(inspected.hostConfig.pidsLimit == 50)

      try await client.startContainer(id)
      try await client.killContainer(id, signal: "SIGKILL")
      #expect(try await client.waitContainer(id) == 137)
    }
  }

  @Test func listFiltersByLabel() async throws {
    try await DockerTestScope.run { scope in
      let client = scope.client
      let group = DockerTestEngine.uniqueName("group")
      var tagged = scope.busybox(["/bin/true"])
      tagged.labels?["io.reconcile.test-group"] = group
      let a = try await client.createContainer(name: DockerTestEngine.uniqueName("la"), tagged)
      let b = try await client.createContainer(name: DockerTestEngine.uniqueName("lb"), tagged)
      let c = try await client.createContainer(name: DockerTestEngine.uniqueName("lc"), scope.busybox(["/bin/true"]))
      let listed = try await client.listContainers(labels: ["io.reconcile.test-group": group])
      #expect(Set(listed.map(\.id)) == [a, b])
      #expect(!listed.map(\.id).contains(c))
      let byKeyAndRun = try await client.listContainers(labels: ["io.reconcile.test-run": scope.run, "io.reconcile.test-group": nil])
      #expect(Set(byKeyAndRun.map(\.id)) == [a, b])
    }
  }

  @Test func eventStreamDeliversDie() async throws {
    try await DockerTestScope.run { scope in
      let client = scope.client
      let id = try await client.createContainer(
        name: DockerTestEngine.uniqueName("die"), scope.busybox(["/bin/sh", "-c", "exit 3"]))
      let since = Date().addingTimeInterval(-1)
      try await client.startContainer(id)
      let seen = Locked<DockerEvent?>(nil)
      // `until` bounds the stream: it ends by itself if the event never comes.
      try await client.events(
        filters: ["type": ["container"], "container": [id], "event": ["die"]],
        since: since, until: Date().addingTimeInterval(20)
      ) { event in
        seen.withLock { $0 = event }
        return false
      }
      let event = try #require(seen.withLock { $0 })
      #expect(event.action == "die")
      #expect(event.actor.id == id)
      #expect(event.actor.attributes?["exitCode"] == "3")
      #expect(try await client.waitContainer(id) == 3)
    }
  }

  /// The stream is proven established (it delivered an event) before it is cancelled, so the cancellation ends a
  /// live stream, not a request that never connected.
  @Test func cancellingAnEstablishedEventStreamEndsIt() async throws {
    try await DockerTestScope.run { scope in
      let client = scope.client
      let seen = Locked(0)
      let task = Task {
        try await client.events(filters: ["type": ["container"], "label": ["io.reconcile.test-run=\(scope.run)"], "event": ["create"]]) { _ in
          seen.withLock { $0 += 1 }
          return true
        }
      }
      // Create containers until one is seen: the first create may happen before the stream is connected.
      let established = await eventuallyAsync(within: 30, every: .milliseconds(200)) { () async in
        _ = try? await client.createContainer(name: DockerTestEngine.uniqueName("ev"), scope.busybox(["/bin/true"]))
        return seen.withLock { $0 } > 0
      }
      #expect(established, "the event stream never delivered the create event")
      task.cancel()
      await #expect(throws: CancellationError.self) { try await task.value }
    }
  }

  /// The transfer itself stops within about a second of the flag being set. Both instants are
  /// taken on dispatch threads, so a busy cooperative pool (other suites) cannot skew the figure.
  @Test func anIdleTransferStopsPromptlyWhenCancelled() async throws {
    let client = try DockerTestEngine.client()
    // A broken cancel fails at the 10 s timeout; it never hangs the suite.
    let request = try await client.request("GET", "/events", query: [("filters", #"{"label":["io.reconcile.test-never=1"]}"#)], timeout: 10)
    let cancellation = TransferCancellation()
    let cancelledAt = Locked<ContinuousClock.Instant?>(nil)
    DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
      cancelledAt.withLock { $0 = ContinuousClock.now }
      cancellation.set()
    }
    let returnedAt: ContinuousClock.Instant = try await withCheckedThrowingContinuation { continuation in
      DispatchQueue.global().async {
        _ = try? client.transport.perform(request, cancellation: cancellation) { _ in true }
        continuation.resume(returning: ContinuousClock.now)
      }
    }
    let cancelled = try #require(cancelledAt.withLock { $0 })
    #expect(returnedAt - cancelled < .seconds(2.5), "the transfer ran on for \(returnedAt - cancelled) after cancellation")
  }

  @Test func logsAreDemultiplexed() async throws {
    try await DockerTestScope.run { scope in
      let client = scope.client
      let id = try await client.createContainer(
        name: DockerTestEngine.uniqueName("logs"),
        scope.busybox(["/bin/sh", "-c", "echo out-line; echo err-line >&2"]))
      try await client.startContainer(id)
      #expect(try await client.waitContainer(id) == 0)
      let frames = Locked<[DockerLogFrame]>([])
      try await client.containerLogs(id) { frame in
        frames.withLock { $0.append(frame) }
        return true
      }
      let all = frames.withLock { $0 }
      #expect(all.contains(DockerLogFrame(stream: .stdout, payload: Data("out-line\n".utf8))))
      #expect(all.contains(DockerLogFrame(stream: .stderr, payload: Data("err-line\n".utf8))))
    }
  }

  @Test func parallelCallsShareThePool() async throws {
    let client = try DockerTestEngine.client()
    try await withThrowingTaskGroup(of: String.self) { group in
      for _ in 0..<16 { group.addTask { try await client.ping() } }
      var answers = 0
      for try await answer in group {
        #expect(answer == "OK")
        answers += 1
      }
      #expect(answers == 16)
    }
  }
}
