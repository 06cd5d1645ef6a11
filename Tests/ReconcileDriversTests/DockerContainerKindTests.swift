@testable import DockerEngine
import Foundation
import ReconcileCore
import Testing

@testable import ReconcileDrivers
import TestSupport

/// The container, network and volume kinds against the real Engine: apply, then plan again.
@Suite("Docker container kind against the real Engine", .enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
struct DockerContainerKindTests {
  static func port() -> Int { Int.random(in: 20000...29999) }

  /// A network, a volume and a container with every setting the container kind has (a secret in its env).
  static func everySetting(web: String, net: String, vol: String, port: Int, project: String? = nil) -> String {
    """
    { "apiVersion": "reconcile/v1", \(project.map { "\"project\": \"\($0)\"," } ?? "") "resources": [
      { "kind": "network", "name": "\(net)" },
      { "kind": "volume", "name": "\(vol)" },
      { "kind": "container", "name": "\(web)", "image": "local/busybox:1",
        "entrypoint": ["/bin/httpd"], "command": ["-f", "-p", "80", "-h", "/www"], "ports": ["127.0.0.1:\(port):80"],
        "readOnlyRootfs": true,
        "env": { "GREETING": "hi", "TOKEN": "${secret.token}" }, "restart": "unless-stopped",
        "mounts": [{ "volume": "volume/\(vol)", "target": "/data" }, { "bind": "/tmp", "target": "/host-tmp", "readOnly": true }],
        "networks": [{ "network": "network/\(net)", "aliases": ["api"] }],
        "healthcheck": { "command": "test -f /www/index.html", "interval": "1s", "timeout": "10s", "retries": 3, "startPeriod": "1s" },
        "workingDir": "/www", "labels": { "team": "web" }, "memory": "64m", "cpus": 0.5, "pidsLimit": 64,
        "init": true, "capDrop": ["NET_RAW"], "stopSignal": "SIGTERM", "stopTimeout": "5s",
        "log": { "driver": "json-file", "options": { "max-size": "1m" } } } ] }
    """
  }

  @Test func fullContainerIsIdempotentAndConfiguredAsDeclared() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let web = DockerTestEngine.uniqueName("web")
      let net = DockerTestEngine.uniqueName("net")
      let vol = DockerTestEngine.uniqueName("vol")
      let port = Self.port()
      h.secrets = ["token": "s3cret-value"]
      let manifest = try h.decode(Self.everySetting(web: web, net: net, vol: vol, port: port))
      let first = try await h.plan(manifest)
      let text = h.render(first)
      #expect(!text.contains("s3cret-value"), "the plan shows a secret:\n\(text)")
      let tokenLine = text.split(separator: "\n").first { $0.contains("env.TOKEN") }
      #expect(tokenLine?.hasSuffix("= (sensitive value)") == true, "\(text)")
      #expect(first.steps.map(\.id.kind) == ["network", "volume", "container"])
      try await h.applyAndExpectNoChanges(manifest)

      let c = try await scope.client.inspectContainer(web)
      #expect(c.state.running)
      #expect(c.config.env?.contains("GREETING=hi") == true)
      #expect(c.config.env?.contains("TOKEN=s3cret-value") == true)
      #expect(c.config.labels?["team"] == "web")
      #expect(c.config.labels?[DockerLabel.resource] == "container/\(web)")
      #expect(c.config.labels?[DockerLabel.spec]?.contains("s3cret-value") == false)
      #expect(c.hostConfig.restartPolicy?.name == "unless-stopped")
      #expect(c.hostConfig.memory == 64 << 20)
      #expect(c.hostConfig.nanoCpus == 500_000_000)
      #expect(c.hostConfig.pidsLimit == 64)
      #expect(c.hostConfig.readonlyRootfs == true)
      #expect(c.hostConfig.init_ == true)
      #expect(c.hostConfig.capDrop == ["NET_RAW"])
      #expect(c.hostConfig.logConfig?.type == "json-file")
      #expect(c.hostConfig.logConfig?.config?["max-size"] == "1m")
      #expect(c.config.entrypoint == ["/bin/httpd"])
      #expect(c.config.cmd == ["-f", "-p", "80", "-h", "/www"])
      #expect(c.config.workingDir == "/www")
      #expect(c.config.stopSignal == "SIGTERM")
      #expect(c.config.stopTimeout == 5)
      #expect(c.networkSettings.networks?[net]?.aliases?.contains("api") == true)
      let body = try await fetch("http://127.0.0.1:\(port)/index.html")
      #expect(body == "busybox test image 1\n")
      try #require(
        try await eventuallyAsync(within: 30) {
          try await scope.client.inspectContainer(web).state.health?.status == "healthy"
        }, "container '\(web)' to become healthy")
      #expect(try await h.plan(manifest).isEmpty)
    }
  }

  @Test func imageChangeReplacesWithTheFieldAsReason() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("img")
      func manifest(_ image: String) throws -> Manifest {
        try h.decode(
          """
          { "apiVersion": "reconcile/v1", "resources": [
            { "kind": "container", "name": "\(name)", "image": "\(image)", "command": ["/bin/sleep", "600"], "init": true, "stopTimeout": 2 } ] }
          """)
      }
      try await h.applyAndExpectNoChanges(try manifest("local/busybox:1"))
      let before = try await scope.client.inspectContainer(name)
      let changed = try manifest("local/busybox:2")
      let plan = try await h.plan(changed)
      #expect(h.render(plan).contains("-/+ container/\(name) (image changed: 'local/busybox:1' -> 'local/busybox:2')"), "\(h.render(plan))")
      try await h.applyAndExpectNoChanges(changed)
      let after = try await scope.client.inspectContainer(name)
      #expect(after.id != before.id)
      #expect(after.config.image == "local/busybox:2")
      #expect(after.state.running)
    }
  }

  @Test func restartPolicyAndLimitsUpdateInPlace() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("upd")
      func manifest(_ restart: String, _ memory: String) throws -> Manifest {
        try h.decode(
          """
          { "apiVersion": "reconcile/v1", "resources": [
            { "kind": "container", "name": "\(name)", "image": "local/busybox:1", "command": ["/bin/sleep", "600"],
              "init": true, "restart": "\(restart)", "memory": "\(memory)" } ] }
          """)
      }
      try await h.applyAndExpectNoChanges(try manifest("no", "64m"))
      let before = try await scope.client.inspectContainer(name)
      let changed = try manifest("always", "128m")
      let plan = try await h.plan(changed)
      #expect(h.render(plan).contains("~ container/\(name) (restart changed: 'no' -> 'always'; memory changed: '64MiB' -> '128MiB')"), "\(h.render(plan))")
      try await h.applyAndExpectNoChanges(changed)
      let after = try await scope.client.inspectContainer(name)
      #expect(after.id == before.id, "an in-place update recreated the container")
      #expect(after.hostConfig.restartPolicy?.name == "always")
      #expect(after.hostConfig.memory == 128 << 20)
      // And back: the labels still hold the creation values, the observer reads the real ones.
      try await h.applyAndExpectNoChanges(try manifest("no", "64m"))
      #expect(try await scope.client.inspectContainer(name).id == before.id)
    }
  }

  @Test func stoppedOrRemovedByHandIsDriftAndApplyRestoresIt() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("drift")
      let manifest = try h.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "container", "name": "\(name)", "image": "local/busybox:1", "command": ["/bin/sleep", "600"], "stopTimeout": 1 } ] }
        """)
      try await h.applyAndExpectNoChanges(manifest)
      // busybox sleep as PID 1 ignores SIGTERM: the stop ends in SIGKILL after the 1 s timeout.
      try await scope.client.stopContainer(name, timeout: 1)
      let stopped = try await h.plan(manifest)
      #expect(h.render(stopped).contains("~ container/\(name) (container is exited (exit code 137))"), "\(h.render(stopped))")
      try await h.applyAndExpectNoChanges(manifest)
      #expect(try await scope.client.inspectContainer(name).state.running)

      try await scope.client.removeContainer(name, force: true)
      let removed = try await h.plan(manifest)
      #expect(h.render(removed).contains("+ container/\(name) (missing on the host (applied before, removed since))"), "\(h.render(removed))")
      try await h.applyAndExpectNoChanges(manifest)
      #expect(try await scope.client.inspectContainer(name).state.running)
    }
  }

  @Test func desiredStoppedIsKeptStopped() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("stopped")
      let manifest = try h.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "container", "name": "\(name)", "image": "local/busybox:1", "command": ["/bin/sleep", "600"], "init": true, "state": "stopped" } ] }
        """)
      try await h.applyAndExpectNoChanges(manifest)
      #expect(try await scope.client.inspectContainer(name).state.status == "created")
      try await scope.client.startContainer(name)
      let plan = try await h.plan(manifest)
      #expect(h.render(plan).contains("container is running but the manifest says 'stopped'"), "\(h.render(plan))")
      try await h.applyAndExpectNoChanges(manifest)
      #expect(try await !scope.client.inspectContainer(name).state.running)
    }
  }

  @Test func nameTakenByAnUnmanagedContainerIsAClearErrorAndItIsUntouched() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("taken")
      let foreign = try await scope.client.createContainer(name: name, scope.busybox(["/bin/sleep", "600"]))
      try await scope.client.startContainer(foreign)
      let manifest = try h.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "container", "name": "\(name)", "image": "local/busybox:2", "command": ["/bin/sleep", "600"] } ] }
        """)
      let failures = try await h.apply(manifest)
      #expect(failures.count == 1)
      let text = failures.first ?? ""
      #expect(text.hasPrefix("could not create container/\(name): the name '\(name)' is already used by container \(foreign.prefix(12))"), "\(text)")
      #expect(text.contains("which reconcile does not manage and will not touch; remove or rename it ('docker rm -f \(name)'"), "\(text)")
      let still = try await scope.client.inspectContainer(name)
      #expect(still.id == foreign)
      #expect(still.state.running)
      #expect(still.config.image == DockerTestEngine.busybox1)
    }
  }

  /// A container the docker CLI made with every setting the container kind has, read back for adoption: the manifest
  /// that declares the same settings finds no difference (the reverse of the create body, spelled as the spec spells
  /// it), its network and volume neither; the adoption's labels make the observer see it unchanged; one setting off
  /// is named.
  @Test func aContainerMadeByTheDockerCLIWithEverySettingMatchesItsManifest() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let (web, net, vol, port) = (DockerTestEngine.uniqueName("adopt"), DockerTestEngine.uniqueName("net"), DockerTestEngine.uniqueName("vol"), Self.port())
      let marks = scope.labels.flatMap { ["--label", "\($0.key)=\($0.value)"] }
      try DockerRegistryTests.docker(["network", "create"] + marks + [net])
      try DockerRegistryTests.docker(["volume", "create"] + marks + [vol])
      try DockerRegistryTests.docker(
        ["run", "-d", "--name", web] + marks + [
          "--entrypoint", "/bin/httpd", "-p", "127.0.0.1:\(port):80", "--read-only", "-e", "GREETING=hi", "-e", "TOKEN=s3cret-value",
          "--restart", "unless-stopped", "-v", "\(vol):/data", "-v", "/tmp:/host-tmp:ro", "--network", net, "--network-alias", "api",
          "--health-cmd", "test -f /www/index.html", "--health-interval", "1s", "--health-timeout", "10s", "--health-retries", "3",
          "--health-start-period", "1s", "-w", "/www", "--label", "team=web", "-m", "64m", "--cpus", "0.5", "--pids-limit", "64", "--init",
          "--cap-drop", "NET_RAW", "--stop-signal", "SIGTERM", "--stop-timeout", "5", "--log-driver", "json-file", "--log-opt", "max-size=1m",
          DockerTestEngine.busybox1, "-f", "-p", "80", "-h", "/www",
        ])
      h.secrets = ["token": "s3cret-value"]
      let json = Self.everySetting(web: web, net: net, vol: vol, port: port, project: "adoption")
      let manifest = try h.decode(json)
      var adopted: [ResourceID: Adoption] = [:]
      for r in manifest.resources {
        let check = try await h.driver.adoptionCheck(r.spec, project: "adoption")
        #expect(check.differences.isEmpty, "\(AdoptionReport.lines(check))")
        adopted[r.id] = check.adoption
      }
      // Observed through the adoptions, the objects are the manifest's, unchanged.
      let targets = manifest.resources.map { ObserveTarget(id: $0.id, locator: $0.spec.locator, spec: $0.spec, project: "adoption", adopted: adopted[$0.id]) }
      let observed = try await h.driver.observe(targets)
      let container = try #require(observed[ResourceID(kind: "container", name: web)])
      #expect(container.exists && container.facts[.conflict] == nil)
      let spec = try #require(manifest.resources.last?.spec as? ContainerSpec)
      for a in spec.attributes { #expect(container.attributes[a.name] == a.value, "\(a.name)") }
      #expect(observed[ResourceID(kind: "network", name: net)]?.exists == true && observed[ResourceID(kind: "volume", name: vol)]?.exists == true)

      let off = try await h.driver.adoptionCheck(
        try h.decode(json.replacingOccurrences(of: "\"retries\": 3", with: "\"retries\": 4")).resources.last!.spec, project: "adoption")
      #expect(off.differences.map(\.attribute) == ["healthcheck"], "\(AdoptionReport.lines(off))")
    }
  }

  @Test func pruneRemovesUndeclaredContainersButKeepsVolumes() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let name = DockerTestEngine.uniqueName("gone")
      let vol = DockerTestEngine.uniqueName("keep")
      let net = DockerTestEngine.uniqueName("pnet")
      try await h.applyAndExpectNoChanges(
        try h.decode(
          """
          { "apiVersion": "reconcile/v1", "resources": [
            { "kind": "volume", "name": "\(vol)" }, { "kind": "network", "name": "\(net)" },
            { "kind": "container", "name": "\(name)", "image": "local/busybox:1", "command": ["/bin/sleep", "600"], "init": true,
              "mounts": [{ "volume": "volume/\(vol)", "target": "/data" }], "networks": [{ "network": "network/\(net)" }] } ] }
          """))
      let empty = try h.decode(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
      let plan = try await h.plan(empty)
      let text = h.render(plan)
      #expect(text.contains("- container/\(name) (no longer in the manifests)"), "\(text)")
      #expect(text.contains("- network/\(net) (no longer in the manifests)"), "\(text)")
      #expect(text.contains("# volume/\(vol) is kept: volumes hold data, so they are kept; --prune-volumes removes them"), "\(text)")
      #expect(try await h.apply(empty).isEmpty)
      #expect(try await scope.client.inspectContainerIfPresent(name) == nil)
      #expect(try await scope.client.inspectVolume(vol).name == vol)
      let again = try await h.plan(empty)
      #expect(again.isEmpty)
      #expect(h.render(again).contains("# volume/\(vol) is kept"))
      #expect(try await h.apply(empty, pruneVolumes: true).isEmpty)
      #expect(try await scope.client.listVolumes(labels: [DockerLabel.resource: "volume/\(vol)"]).isEmpty)
    }
  }
}

/// GET `url` with curl(1), retrying while the port is not yet accepting connections. The child
/// is waited for off the cooperative pool (it has as many threads as cores: never block it).
func fetch(_ url: String) async throws -> String {
  try await withCheckedThrowingContinuation { continuation in
    DispatchQueue.global().async {
      do {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--max-time", "5", "--retry", "20", "--retry-connrefused", "--retry-delay", "1", url]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        continuation.resume(returning: String(decoding: data, as: UTF8.self))
      } catch {
        continuation.resume(throwing: error)
      }
    }
  }
}
