import Foundation
import Testing
import TestSupport

/// The `service` kind against a real three-node Swarm (scripts/swarm.sh: dockerds in network namespaces): created with
/// its tasks spread over the nodes, idempotent, changed in place, scaled back after `docker service scale` by hand,
/// and removed with the manifests.
@Suite(
  .serialized,
  .enabled(
    if: ProcessInfo.processInfo.environment["RECONCILE_SWARM_HOST"] != nil || ProcessInfo.processInfo.environment["RECONCILE_REQUIRE_DOCKER"] == "1",
    "no Swarm; run scripts/swarm.sh"))
struct ServiceSwarmTests {
  static var host: String { ProcessInfo.processInfo.environment["RECONCILE_SWARM_HOST"] ?? "unix:///nonexistent" }

  static func docker(_ args: [String]) -> String { TestEngine.docker(args, host: host).1.trimmingCharacters(in: .whitespacesAndNewlines) }

  static func manifest(_ name: String, replicas: Int, greeting: String) -> String {
    """
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "service", "name": "\(name)", "image": "local/busybox:1", "command": ["sleep", "3600"], "replicas": \(replicas),
        "env": { "GREETING": "\(greeting)" }, "labels": { "io.reconcile.test": "1" },
        "update": { "parallelism": 2, "order": "start-first", "failureAction": "rollback", "monitor": "1s" } } ] }
    """
  }

  @Test func aServiceLivesOnTheSwarmAsTheManifestsSay() throws {
    let h = try CLIHarness()
    let name = ControllerDockerTests.unique("svc")
    let env = ["DOCKER_HOST": Self.host]
    defer {
      _ = Self.docker(["service", "rm", name])
      h.cleanup()
    }
    try h.manifest(Self.manifest(name, replicas: 3, greeting: "hi"))
    let created = try h.run(["apply", "--auto-approve"], env: env)
    #expect(created.status == 0, "\(created.all)")
    #expect(created.stdout.contains("+ service/\(name) (not present on the host)") && created.stdout.contains(#"mode"#), "\(created.stdout)")
    // Three tasks running, on more than one node.
    let tasks = Self.docker(["service", "ps", "-q", "--filter", "desired-state=running", name]).split(separator: "\n").map(String.init)
    #expect(tasks.count == 3, "\(tasks)")
    let nodes = Set(tasks.map { Self.docker(["inspect", "-f", "{{.NodeID}}", $0]) })
    #expect(nodes.count >= 2, "tasks on \(nodes.count) node(s)")
    #expect(try h.run(["plan"], env: env).stdout.contains("No changes."))

    // A change is made in place; Swarm rolls it out.
    try h.manifest(Self.manifest(name, replicas: 3, greeting: "hello"))
    let changed = try h.run(["apply", "--auto-approve"], env: env)
    #expect(changed.stdout.contains("~ service/\(name) (env.GREETING changed: 'hi' -> 'hello')"), "\(changed.stdout)")
    #expect(changed.status == 0, "\(changed.all)")
    #expect(Self.docker(["service", "inspect", "-f", "{{json .Spec.TaskTemplate.ContainerSpec.Env}}", name]) == #"["GREETING=hello"]"#)
    #expect(try h.run(["plan"], env: env).stdout.contains("No changes."))

    // Scaled by hand: drift, and apply scales it back.
    _ = Self.docker(["service", "scale", "-d", "\(name)=1"])
    let drift = try h.run(["plan"], env: env).stdout
    #expect(drift.contains("~ service/\(name) (mode changed: '1 replica' -> '3 replicas')"), "\(drift)")
    #expect(try h.run(["apply", "--auto-approve"], env: env).status == 0)
    #expect(Self.docker(["service", "ps", "-q", "--filter", "desired-state=running", name]).split(separator: "\n").count == 3)

    // Gone with the manifests.
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
    #expect(try h.run(["apply", "--auto-approve"], env: env).status == 0)
    #expect(Self.docker(["service", "ls", "-q", "--filter", "name=\(name)"]).isEmpty)

    // Removed by hand and replaced by somebody else's service of the same name: a prune leaves that one alone.
    try h.manifest(Self.manifest(name, replicas: 1, greeting: "hi"))
    #expect(try h.run(["apply", "--auto-approve"], env: env).status == 0)
    _ = Self.docker(["service", "rm", name])
    _ = Self.docker(["service", "create", "-d", "--no-resolve-image", "--name", name, "local/busybox:1", "sleep", "3600"])
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
    _ = try h.run(["apply", "--auto-approve"], env: env)
    #expect(!Self.docker(["service", "ls", "-q", "--filter", "name=\(name)"]).isEmpty, "the foreign service stays")
  }

  /// A secret reaches the tasks as a file from a Swarm secret named after its content's digest; a new value is a new
  /// secret the service moves to, the old one goes; the value never shows in the plan, the state or the output.
  @Test func aSecretIsASwarmSecretAndRotates() throws {
    let h = try CLIHarness()
    let name = ControllerDockerTests.unique("svcsecret")
    let env = ["DOCKER_HOST": Self.host]
    defer {
      _ = Self.docker(["service", "rm", name])
      h.cleanup()
    }
    func manifest() -> String {
      #"""
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "service", "name": "\#(name)", "image": "local/busybox:1", "command": ["sleep", "3600"], "replicas": 1,
          "secrets": { "token": "${secret.API_TOKEN}" }, "labels": { "io.reconcile.test": "1" } } ] }
      """#
    }
    func secretFiles() -> [String] {
      // The task's container, on whichever node runs it, reads the file.
      (1...3).compactMap { node -> String? in
        let host = Self.host.replacingOccurrences(of: "/1/docker.sock", with: "/\(node)/docker.sock")
        let id = TestEngine.docker(["ps", "-q", "--filter", "label=com.docker.swarm.service.name=\(name)"], host: host).1.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : TestEngine.docker(["exec", id, "cat", "/run/secrets/token"], host: host).1
      }
    }
    func swarmSecrets() -> [String] { Self.docker(["secret", "ls", "--format", "{{.Name}}", "--filter", "name=\(name)-"]).split(separator: "\n").map(String.init) }
    try "API_TOKEN=first-7f3a9c\n".write(toFile: "\(h.manifests)/.env", atomically: true, encoding: .utf8)
    try h.manifest(manifest())
    let first = try h.run(["apply", "--auto-approve"], env: env)
    #expect(first.status == 0, "\(first.all)")
    #expect(first.stdout.contains("secret.token = (sensitive value)"), "\(first.stdout)")
    #expect(secretFiles() == ["first-7f3a9c"])
    #expect(swarmSecrets().count == 1 && swarmSecrets()[0].hasPrefix("\(name)-token-"))
    // The digest in the name is keyed with the state's secret key: not the value's plain SHA-256.
    let plain = ProxyTest.run(["sh", "-c", "printf first-7f3a9c | sha256sum"]).text.prefix(12)
    #expect(plain.count == 12 && !swarmSecrets()[0].hasSuffix(String(plain)), "\(swarmSecrets()) vs \(plain)")
    #expect(try h.run(["plan"], env: env).stdout.contains("No changes."))

    try "API_TOKEN=second-55e1b0\n".write(toFile: "\(h.manifests)/.env", atomically: true, encoding: .utf8)
    let rotated = try h.run(["apply", "--auto-approve"], env: env)
    #expect(rotated.stdout.contains("~ service/\(name) (secret.token changed (sensitive))"), "\(rotated.stdout)")
    #expect(secretFiles() == ["second-55e1b0"])
    #expect(swarmSecrets().count == 1, "the old secret went: \(swarmSecrets())")
    for text in [first.all, rotated.all, h.stateText()] { #expect(!text.contains("first-7f3a9c") && !text.contains("second-55e1b0")) }

    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
    #expect(try h.run(["apply", "--auto-approve"], env: env).status == 0)
    #expect(swarmSecrets().isEmpty, "the service's secrets go with it")
  }

  /// Limits reach the Swarm spec and the tasks run under them; the plan shows them.
  @Test func limitsReachTheSwarmSpec() throws {
    let h = try CLIHarness()
    let name = ControllerDockerTests.unique("svclimit")
    let env = ["DOCKER_HOST": Self.host]
    defer {
      _ = Self.docker(["service", "rm", name])
      h.cleanup()
    }
    try h.manifest(
      #"""
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "service", "name": "\#(name)", "image": "local/busybox:1", "replicas": 1, "memory": "64m", "cpus": 0.5,
          "command": ["sleep", "3600"], "labels": { "io.reconcile.test": "1" } } ] }
      """#)
    let r = try h.run(["apply", "--auto-approve"], env: env)
    #expect(r.status == 0 && r.stdout.contains(#/\n +memory +=\ "64MiB"\n +cpus +=\ "0.5"\n/#), "\(r.all)")
    #expect(
      Self.docker(["service", "inspect", "-f", "{{.Spec.TaskTemplate.Resources.Limits.MemoryBytes}} {{.Spec.TaskTemplate.Resources.Limits.NanoCPUs}}", name])
        == "67108864 500000000")
    #expect(try h.run(["plan"], env: env).stdout.contains("No changes."))
  }
}
