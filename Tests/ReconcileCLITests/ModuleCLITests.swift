import Foundation
import HTTPKit
import Testing
import TestSupport

/// Two instances of one module, staging and production, side by side on the real engine: each its own network,
/// volume and container (`module.staging/container/web`), idempotent; a change of staging's input replaces staging's
/// container only, while production answers every request; the top level reads the instances' outputs.
@Suite(.serialized, .enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct ModuleCLITests {
  static let module = """
    { "apiVersion": "reconcile/v1",
      "inputs": {
        "prefix": { "type": "string", "description": "begins the name of every Docker object of the instance" },
        "port": { "type": "number", "description": "the host port it answers on" },
        "greeting": { "type": "string", "default": "hello" }
      },
      "outputs": { "url": { "value": "http://127.0.0.1:${input.port}/", "description": "where it answers" } },
      "resources": [
        { "kind": "network", "name": "${input.prefix}net" },
        { "kind": "volume", "name": "${input.prefix}data" },
        { "kind": "container", "name": "web", "dockerName": "${input.prefix}web", "image": "local/busybox:1", "init": true,
          "command": ["sh", "-c", "mkdir -p /www && echo ${input.greeting} > /www/index.html && exec httpd -f -p 80 -h /www"],
          "ports": ["127.0.0.1:${input.port}:80"], "stopTimeout": "1s",
          "mounts": [{ "volume": "volume/${input.prefix}data", "target": "/data" }],
          "networks": [{ "network": "network/${input.prefix}net", "aliases": ["web"] }] }
      ] }
    """

  static func top(_ id: String, staging: String, ports: (Int, Int), urls: String) -> String {
    """
    { "apiVersion": "reconcile/v1", "project": "mod\(id)", "resources": [
      { "kind": "module", "name": "staging", "source": "modules/web", "inputs": { "prefix": "stg\(id)-", "port": \(ports.0), "greeting": "\(staging)" } },
      { "kind": "module", "name": "production", "source": "modules/web", "inputs": { "prefix": "prod\(id)-", "port": \(ports.1) } },
      { "kind": "file", "name": "urls", "path": "\(urls)", "content": "${module.staging.url} ${module.production.url}\\n" } ] }
    """
  }

  @Test func twoInstancesApplySideBySide() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let id = UUID().uuidString.prefix(6).lowercased()
    let ports = (freePort(), freePort())
    // Kept inside the manifests tree: a directory holding module.json is the module's, not read as manifests.
    try FileManager.default.createDirectory(atPath: h.manifests + "/modules/web", withIntermediateDirectories: true)
    try Self.module.write(toFile: h.manifests + "/modules/web/module.json", atomically: true, encoding: .utf8)
    let urls = h.host + "/urls"
    try h.manifest(Self.top(id, staging: "staging", ports: ports, urls: urls))
    defer { _ = try? h.run(["destroy", "--auto-approve", "--prune-volumes"]) }

    let applied = try h.run(["apply", "--auto-approve"])
    #expect(applied.status == 0, "\(applied.all)")
    #expect(applied.stdout.contains("module.staging/container/web: created"), "\(applied.all)")
    func get(_ port: Int) -> String? { try? HTTPClient(timeoutSeconds: 2).send("GET", "http://127.0.0.1:\(port)/").text }
    #expect(get(ports.0) == "staging\n" && get(ports.1) == "hello\n")
    #expect(h.read(urls) == "http://127.0.0.1:\(ports.0)/ http://127.0.0.1:\(ports.1)/\n")
    #expect(TestEngine.docker(["inspect", "-f", "{{index .Config.Labels \"io.reconcile.resource\"}}", "stg\(id)-web"]).1 == "module.staging/container/web")
    #expect(h.stateText().contains("module.production/volume/prod\(id)-data"))
    // graph draws each instance in a box of its own; show names the instance.
    let graph = try h.run(["graph"]).stdout
    #expect(graph.contains("  subgraph \"cluster_module_staging\" {\n    label=\"module.staging\";\n    \"module.staging/container/web\" ["), "\(graph)")
    #expect(try h.run(["show", "module.staging/container/web"]).stdout.contains("/modules/web/module.json (resources[2]), for module instance 'staging'"))
    let again = try h.run(["plan"])
    #expect(again.stdout.contains("No changes"), "\(again.all)")

    // One instance's input changes: its container only, while the other answers every request.
    let production = TestEngine.docker(["inspect", "-f", "{{.Id}}", "prod\(id)-web"]).1
    try h.manifest(Self.top(id, staging: "bonjour", ports: ports, urls: urls))
    let plan = try h.run(["plan"])
    #expect(plan.stdout.contains("-/+ module.staging/container/web (command changed:"), "\(plan.all)")
    #expect(plan.stdout.hasSuffix("Plan: 0 to add, 0 to change, 1 to replace, 0 to destroy.\n  module.staging: 1 to replace\n"), "\(plan.all)")
    let load = LoadGenerator(url: "http://127.0.0.1:\(ports.1)/", threads: 2, pause: 0.01)
    let changed = try h.run(["apply", "--auto-approve", "--target", "module.staging/container/web"])
    load.stop()
    #expect(changed.status == 0, "\(changed.all)")
    #expect(load.failures.isEmpty && load.total > 20, "\(load.total) requests to production, failed: \(load.failures)")
    #expect(TestEngine.docker(["inspect", "-f", "{{.Id}}", "prod\(id)-web"]).1 == production)
    #expect(get(ports.0) == "bonjour\n")
    #expect(try h.run(["plan"]).stdout.contains("No changes"))

    let destroyed = try h.run(["destroy", "--auto-approve", "--prune-volumes"])
    #expect(destroyed.status == 0, "\(destroyed.all)")
    for object in ["stg\(id)-web", "prod\(id)-web"] { #expect(TestEngine.docker(["inspect", object]).0 != 0) }
    #expect(TestEngine.docker(["volume", "inspect", "stg\(id)-data"]).0 != 0 && TestEngine.docker(["network", "inspect", "prod\(id)-net"]).0 != 0)
  }

  /// Resources declared at the top level move into a module instance without being recreated: the container's move
  /// declared (`moved`), the network's and volume's found by their names; it answers every request meanwhile.
  @Test func movingResourcesIntoAModuleKeepsTheirObjects() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let id = UUID().uuidString.prefix(6).lowercased()
    let port = freePort()
    try FileManager.default.createDirectory(atPath: h.root + "/modules/web", withIntermediateDirectories: true)
    try Self.module.write(toFile: h.root + "/modules/web/module.json", atomically: true, encoding: .utf8)
    try h.manifest(
      """
      { "apiVersion": "reconcile/v1", "project": "mv\(id)", "resources": [
        { "kind": "network", "name": "app\(id)-net" },
        { "kind": "volume", "name": "app\(id)-data" },
        { "kind": "container", "name": "site", "dockerName": "app\(id)-web", "image": "local/busybox:1", "init": true,
          "command": ["sh", "-c", "mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www"],
          "ports": ["127.0.0.1:\(port):80"], "stopTimeout": "1s",
          "mounts": [{ "volume": "volume/app\(id)-data", "target": "/data" }],
          "networks": [{ "network": "network/app\(id)-net", "aliases": ["web"] }] } ] }
      """)
    defer { _ = try? h.run(["destroy", "--auto-approve", "--prune-volumes"]) }
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    let before = TestEngine.docker(["inspect", "-f", "{{.Id}} {{.State.StartedAt}}", "app\(id)-web"]).1

    try h.manifest(
      """
      { "apiVersion": "reconcile/v1", "project": "mv\(id)", "resources": [
        { "kind": "module", "name": "app", "source": "../modules/web", "inputs": { "prefix": "app\(id)-", "port": \(port) } } ],
        "moved": [{ "from": "container/site", "to": "module.app/container/web" }] }
      """)
    let plan = try h.run(["plan"])
    #expect(
      plan.stdout == """
        reconcile will perform these actions:

          # container/site has moved to module.app/container/web
          # network/app\(id)-net has moved to module.app/network/app\(id)-net (the same object, found by where it is)
          # volume/app\(id)-data has moved to module.app/volume/app\(id)-data (the same object, found by where it is)

        Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy, 3 moved.

        """, "\(plan.all)")
    let load = LoadGenerator(url: "http://127.0.0.1:\(port)/", threads: 2, pause: 0.01)
    let moved = try h.run(["apply", "--auto-approve"])
    let settled = try h.run(["plan"])
    load.stop()
    #expect(moved.status == 0 && moved.stdout.contains("Apply complete: 0 added, 0 changed, 0 replaced, 0 destroyed, 3 moved"), "\(moved.all)")
    #expect(settled.stdout.contains("No changes"), "\(settled.all)")
    #expect(load.failures.isEmpty && load.total > 10, "\(load.total) requests, failed: \(load.failures)")
    #expect(TestEngine.docker(["inspect", "-f", "{{.Id}} {{.State.StartedAt}}", "app\(id)-web"]).1 == before, "the same container, never restarted")
    let state = h.read(h.state + "/state.json") ?? ""
    #expect(state.contains("\"module.app/container/web\"") && !state.contains("\"id\" : \"container/site\""), "\(state)")
  }
}
