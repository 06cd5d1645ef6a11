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
}
