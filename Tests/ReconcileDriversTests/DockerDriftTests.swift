@testable import DockerEngine
import Foundation
import ReconcileCore
import Testing

@testable import ReconcileDrivers
import TestSupport

/// Changes made outside the manifests: a moved tag, an unhealthy container, a recreated network,
/// and objects without our labels next to ours.
@Suite("Docker drift against the real Engine", .enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
struct DockerDriftTests {
  @Test func aMovedLocalTagReplacesTheContainer() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let repo = "local/\(DockerTestEngine.uniqueName("moving"))"
      let name = DockerTestEngine.uniqueName("follow")
      let one = try await scope.client.inspectImage(DockerTestEngine.busybox1).id
      let two = try await scope.client.inspectImage(DockerTestEngine.busybox2).id
      try await scope.client.tagImage(DockerTestEngine.busybox1, repo: repo, tag: "1")
      do {
        try await follow(h, scope: scope, repo: repo, name: name, from: one, to: two)
      } catch {
        try? await scope.client.removeImage("\(repo):1")
        throw error
      }
      try await scope.client.removeImage("\(repo):1")
    }
  }

  private func follow(_ h: DockerKindHarness, scope: DockerTestScope, repo: String, name: String, from one: String, to two: String) async throws {
    let manifest = try h.decode(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "container", "name": "\(name)", "image": "\(repo):1", "command": ["/bin/sleep", "600"], "init": true } ] }
      """)
    try await h.applyAndExpectNoChanges(manifest)
    try await scope.client.tagImage(DockerTestEngine.busybox2, repo: repo, tag: "1")
    let plan = try await h.plan(manifest)
    let expected =
      "-/+ container/\(name) (image changed: '\(repo):1' now is \(two.dropFirst(7).prefix(12)), the container runs \(one.dropFirst(7).prefix(12)))"
    #expect(h.render(plan).contains(expected), "\(h.render(plan))")
    try await h.applyAndExpectNoChanges(manifest)
    #expect(try await scope.client.inspectContainer(name).image == two)
  }

  @Test func anUnhealthyContainerIsRestarted() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("sick")
      let probe = FileManager.default.temporaryDirectory.appendingPathComponent("rc-probe-\(UUID().uuidString.prefix(8))")
      try FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: probe) }
      try Data().write(to: probe.appendingPathComponent("ok"))
      let manifest = try h.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "container", "name": "\(name)", "image": "local/busybox:1", "init": true, "command": ["/bin/sleep", "600"],
            "mounts": [{ "bind": "\(probe.path)", "target": "/probe", "readOnly": true }],
            "healthcheck": { "command": "test -f /probe/ok", "interval": "200ms", "retries": 1 } } ] }
        """)
      try await h.applyAndExpectNoChanges(manifest)
      let before = try await scope.client.inspectContainer(name)
      // Break it by hand: the probe file goes away.
      try FileManager.default.removeItem(at: probe.appendingPathComponent("ok"))
      try #require(
        try await eventuallyAsync(within: 30) {
          try await scope.client.inspectContainer(name).state.health?.status == "unhealthy"
        }, "container '\(name)' to become unhealthy")
      let plan = try await h.plan(manifest)
      #expect(h.render(plan).contains("~ container/\(name) (container is unhealthy)"), "\(h.render(plan))")
      #expect(try await h.apply(manifest).isEmpty)
      let after = try await scope.client.inspectContainer(name)
      #expect(after.id == before.id)
      #expect(after.state.startedAt != before.state.startedAt, "the container was not restarted")
      try Data().write(to: probe.appendingPathComponent("ok"))
      try #require(
        try await eventuallyAsync(within: 30) {
          try await scope.client.inspectContainer(name).state.health?.status == "healthy"
        }, "container '\(name)' to be healthy again")
      #expect(try await h.plan(manifest).isEmpty)
    }
  }

  @Test func networkReplacementKeepsItsContainersAttached() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let net = DockerTestEngine.uniqueName("swap")
      let name = DockerTestEngine.uniqueName("member")
      func manifest(internal isInternal: Bool) throws -> Manifest {
        try h.decode(
          """
          { "apiVersion": "reconcile/v1", "resources": [
            { "kind": "network", "name": "\(net)", "internal": \(isInternal) },
            { "kind": "container", "name": "\(name)", "image": "local/busybox:1", "command": ["/bin/sleep", "600"], "init": true,
              "networks": [{ "network": "network/\(net)", "aliases": ["db"] }] } ] }
          """)
      }
      try await h.applyAndExpectNoChanges(try manifest(internal: false))
      let plan = try await h.plan(try manifest(internal: true))
      #expect(h.render(plan).contains("-/+ network/\(net) (internal changed: 'false' -> 'true')"), "\(h.render(plan))")
      try await h.applyAndExpectNoChanges(try manifest(internal: true))
      let attached = try await scope.client.inspectContainer(name).networkSettings.networks?[net]
      #expect(attached?.aliases?.contains("db") == true)
      #expect(try await scope.client.inspectNetwork(net).internal)
    }
  }

  @Test func aLimitChangedByHandWithDockerUpdateIsFoundAndPutBack() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("limited")
      let manifest = try h.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "container", "name": "\(name)", "image": "local/busybox:1", "command": ["/bin/sleep", "600"], "init": true,
            "restart": "unless-stopped", "memory": "64m" } ] }
        """)
      try await h.applyAndExpectNoChanges(manifest)
      let id = try await scope.client.inspectContainer(name).id
      // By hand, as `docker update --memory 96m --memory-swap -1 --restart no` would: no label records it.
      try await scope.client.updateContainer(id, DockerContainerUpdate(restartPolicy: DockerRestartPolicy(name: "no"), memory: 96 << 20, memorySwap: -1))
      let text = h.render(try await h.plan(manifest))
      #expect(text.contains("~ container/\(name) (restart changed: 'no' -> 'unless-stopped'; memory changed: '96MiB' -> '64MiB')"), "\(text)")
      try await h.applyAndExpectNoChanges(manifest)
      let after = try await scope.client.inspectContainer(name)
      #expect(after.id == id, "restart policy and limits are updated in place")
      #expect(after.hostConfig.memory == 64 << 20 && after.hostConfig.restartPolicy?.name == "unless-stopped")
    }
  }

  @Test func aNameHeldByAnUnmanagedContainerShowsInThePlanAndConvergesOnceFreed() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("taken")
      let theirs = try await scope.client.createContainer(name: name, scope.busybox(["/bin/sleep", "600"]))
      let manifest = try h.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "container", "name": "\(name)", "image": "local/busybox:1", "command": ["/bin/sleep", "600"], "init": true } ] }
        """)
      let text = h.render(try await h.plan(manifest))
      #expect(
        text.contains(
          "+ container/\(name) (not present on the host; the name '\(name)' is taken by container \(theirs.prefix(12)) (\(DockerTestEngine.busybox1), created) that reconcile does not manage: apply fails until it is removed or renamed, or taken over as it is with 'reconcile import container/\(name)')"
        ), "\(text)")
      let failures = try await h.apply(manifest)
      #expect(failures.count == 1 && failures[0].contains(name), "\(failures)")
      #expect(try await scope.client.inspectContainer(name).id == theirs, "the unmanaged container is left alone")
      try await scope.client.removeContainer(theirs, force: true)
      try await h.applyAndExpectNoChanges(manifest)
    }
  }

  @Test func pruneNeverTouchesObjectsWithoutOurLabels() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let ours = DockerTestEngine.uniqueName("ours")
      let theirs = try await scope.client.createContainer(name: DockerTestEngine.uniqueName("theirs"), scope.busybox(["/bin/sleep", "600"]))
      try await scope.client.startContainer(theirs)
      let theirVolume = DockerTestEngine.uniqueName("theirvol")
      try await scope.client.createVolume(DockerVolumeCreate(name: theirVolume, labels: scope.labels))
      try await h.applyAndExpectNoChanges(
        try h.decode(
          """
          { "apiVersion": "reconcile/v1", "resources": [
            { "kind": "container", "name": "\(ours)", "image": "local/busybox:1", "command": ["/bin/sleep", "600"], "init": true } ] }
          """))
      let empty = try h.decode(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
      #expect(try await h.apply(empty, pruneVolumes: true).isEmpty)
      #expect(try await scope.client.inspectContainerIfPresent(ours) == nil)
      #expect(try await scope.client.inspectContainer(theirs).state.running)
      #expect(try await scope.client.inspectVolume(theirVolume).name == theirVolume)
    }
  }
}
