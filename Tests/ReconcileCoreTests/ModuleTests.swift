import Foundation
import Testing

@testable import ReconcileCore

/// Modules, pure: instances expanded from in-memory module files, their resources addressed `module.NAME/kind/name`,
/// their references kept inside the instance, inputs checked, outputs read at the top level, every error at once.
@Suite struct ModuleTests {
  static let module = """
    { "apiVersion": "reconcile/v1",
      "inputs": {
        "prefix": { "type": "string", "description": "begins every Docker name" },
        "port": { "type": "number", "default": 8080 },
        "token": { "type": "string", "sensitive": true, "default": "not-a-secret-0" }
      },
      "outputs": { "url": { "value": "http://127.0.0.1:${input.port}/", "description": "where it answers" }, "name": "${input.prefix}app" },
      "resources": [
        { "kind": "network", "name": "${input.prefix}net" },
        { "kind": "container", "name": "app", "dockerName": "${input.prefix}app", "image": "local/busybox:1",
          "ports": ["127.0.0.1:${input.port}:80"], "env": { "TOKEN": "${input.token}" },
          "networks": [{ "network": "network/${input.prefix}net" }] },
        { "kind": "container", "name": "worker", "image": "local/busybox:1", "dockerName": "${input.prefix}worker", "dependsOn": ["container/app"] }
      ] }
    """

  static func decode(_ top: String, module: String = module, secrets: [String: String] = [:]) throws(ManifestErrors) -> Manifest {
    let context = DecodeContext(
      templates: MemoryTemplates(),
      modules: { dir in dir == "/srv/modules/app" ? [ManifestSource(file: "/srv/modules/app/module.json", data: Data(module.utf8), directory: dir)] : nil })
    let decoder = ManifestDecoder(registry: .builtIn, secrets: FixedSecrets(secrets), context: context)
    return try decoder.decode([ManifestSource(file: "/srv/manifests/main.json", data: Data(top.utf8), directory: "/srv/manifests")])
  }

  static let twoInstances = """
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "module", "name": "staging", "source": "../modules/app", "inputs": { "prefix": "stg-", "port": 8081, "token": "${secret.stg}" } },
      { "kind": "module", "name": "production", "source": "../modules/app", "inputs": { "prefix": "prod-" } },
      { "kind": "file", "name": "urls", "path": "/srv/urls", "content": "${module.staging.url} ${module.production.url} ${module.production.name}\\n",
        "dependsOn": ["module.production/container/app"] } ] }
    """

  @Test func twoInstancesAreTheirOwnResources() throws {
    let m = try Self.decode(Self.twoInstances, secrets: ["stg": "staging-secret-1"])
    #expect(
      m.resources.map(\.id.description).sorted() == [
        "file/urls", "module.production/container/app", "module.production/container/worker", "module.production/network/prod-net",
        "module.staging/container/app", "module.staging/container/worker", "module.staging/network/stg-net",
      ])
    let app = try #require(m[ResourceID(kind: "container", name: "app", module: "staging")]?.spec as? ContainerSpec)
    #expect(app.dockerName == "stg-app" && app.ports.map(\.canonical) == ["127.0.0.1:8081:80/tcp"])
    #expect(app.env["TOKEN"]?.isSensitive == true && app.env["TOKEN"]?.value == "staging-secret-1")
    // References stay inside the instance: the network and the worker's dependency are staging's own.
    #expect(m[app.id]?.dependsOn == [ResourceID(kind: "network", name: "stg-net", module: "staging")])
    #expect(m[ResourceID(kind: "container", name: "worker", module: "production")]?.dependsOn == [ResourceID(kind: "container", name: "app", module: "production")])
    // A declared default that is sensitive stays sensitive.
    let prod = try #require(m[ResourceID(kind: "container", name: "app", module: "production")]?.spec as? ContainerSpec)
    #expect(prod.env["TOKEN"]?.isSensitive == true && prod.ports.map(\.canonical) == ["127.0.0.1:8080:80/tcp"])
    let urls = try #require(m[ResourceID(kind: "file", name: "urls")])
    #expect((urls.spec as? FileSpec)?.content?.value == "http://127.0.0.1:8081/ http://127.0.0.1:8080/ prod-app\n")
    #expect(urls.dependsOn == [ResourceID(kind: "container", name: "app", module: "production")])
    // The module's file is one of the manifest's sources, tagged with its directory: a saved generation decodes again
    // from its sources alone, without reading the module anew.
    #expect(m.sources.map(\.file) == ["/srv/manifests/main.json", "/srv/modules/app/module.json"])
    #expect(m.sources.last?.module == "/srv/modules/app")
    let again = try ManifestDecoder(registry: .builtIn, secrets: FixedSecrets(["stg": "staging-secret-1"]), context: DecodeContext(templates: MemoryTemplates()))
      .decode(m.sources)
    #expect(again.resources.map(\.id) == m.resources.map(\.id) && again.digest == m.digest)
  }

  @Test func thePlanNamesEachInstancesShare() throws {
    let m = try Self.decode(Self.twoInstances, secrets: ["stg": "staging-secret-1"])
    let text = PlanTextRenderer().render(plan(m))
    #expect(!text.contains("staging-secret-1"))
    #expect(
      text == """
        reconcile will perform these actions:

          + module.production/network/prod-net (not present on the host)
              name = "prod-net"

          + module.production/container/app (not present on the host)
              name      = "prod-app"
              image     = "local/busybox:1"
              env       = "TOKEN"
              env.TOKEN = (sensitive value)
              ports     = "127.0.0.1:8080:80/tcp"
              networks  = "prod-net"

          + file/urls (not present on the host)
              path    = "/srv/urls"
              content: 55 bytes, 1 line
                  @@ -0,0 +1,1 @@
                  +http://127.0.0.1:8081/ http://127.0.0.1:8080/ prod-app

          + module.production/container/worker (not present on the host)
              name  = "prod-worker"
              image = "local/busybox:1"

          + module.staging/network/stg-net (not present on the host)
              name = "stg-net"

          + module.staging/container/app (not present on the host)
              name      = "stg-app"
              image     = "local/busybox:1"
              env       = "TOKEN"
              env.TOKEN = (sensitive value)
              ports     = "127.0.0.1:8081:80/tcp"
              networks  = "stg-net"

          + module.staging/container/worker (not present on the host)
              name  = "stg-worker"
              image = "local/busybox:1"

        Plan: 7 to add, 0 to change, 0 to replace, 0 to destroy.
          module.production: 3 to add
          module.staging: 3 to add

        """)
  }

  @Test func aModuleIsReadOnceForAllItsInstances() {
    let broken = Self.module.replacingOccurrences(of: "\"apiVersion\": \"reconcile/v1\",", with: "\"apiVersion\": \"reconcile/v1\", \"project\": \"p\",")
    var got: [String] = []
    do {
      _ = try Self.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "module", "name": "staging", "source": "../modules/app", "inputs": { "prefix": "stg-" } },
          { "kind": "module", "name": "production", "source": "../modules/app", "inputs": { "prefix": "prod-" } } ] }
        """, module: broken)
    } catch { got = error.issues.map(\.description) }
    #expect(got == ["/srv/modules/app/module.json: project: 'project' is set by the top-level manifests, not by a module"], "\(got)")
  }

  @Test func aModuleCannotHoldAModule() {
    let nested = Self.module.replacingOccurrences(
      of: "\"resources\": [", with: "\"resources\": [ { \"kind\": \"module\", \"name\": \"inner\", \"source\": \".\" },")
    var got: [String] = []
    do {
      _ = try Self.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "module", "name": "staging", "source": "../modules/app", "inputs": { "prefix": "stg-" } } ] }
        """, module: nested)
    } catch { got = error.issues.map(\.description) }
    #expect(got == ["/srv/modules/app/module.json: resources[0]: modules cannot declare modules (yet): declare it at the top level"], "\(got)")
  }

  @Test func idsParseWithTheirModule() {
    #expect(ResourceID(parsing: "module.staging/container/app") == ResourceID(kind: "container", name: "app", module: "staging"))
    #expect(ResourceID(parsing: "container/app", in: "staging")?.description == "module.staging/container/app")
    #expect(ResourceID(parsing: "module.other/container/app", in: "staging")?.module == "other")
    for bad in ["module./container/app", "module.x", "module.x/container", "module.x/container/a/b"] { #expect(ResourceID(parsing: bad) == nil, "\(bad)") }
    #expect(ResourceID(kind: "file", name: "z") < ResourceID(kind: "container", name: "a", module: "a"))
  }

  @Test func everyMistakeIsReportedAtOnce() {
    let top = """
      { "apiVersion": "reconcile/v1", "variables": { "x": "1" }, "resources": [
        { "kind": "module", "name": "staging", "source": "../modules/app", "inputs": { "prefx": "stg-", "port": "abc" } },
        { "kind": "module", "name": "staging", "source": "../modules/app", "inputs": { "prefix": "x" } },
        { "kind": "module", "name": "gone", "source": "../modules/none" },
        { "kind": "module", "name": "a.b", "source": "../modules/app" },
        { "kind": "file", "name": "f", "path": "/srv/f", "content": "${module.staging.uri} ${input.x}" } ] }
      """
    let module = Self.module.replacingOccurrences(
      of: "\"image\": \"local/busybox:1\",\n      \"ports\"", with: "\"image\": \"local/busybox:1\", \"user\": \"${var.x}\",\n      \"ports\""
    )
    .replacingOccurrences(of: "\"apiVersion\": \"reconcile/v1\",", with: "\"apiVersion\": \"reconcile/v1\", \"project\": \"p\",")
    var got: [String] = []
    do { _ = try Self.decode(top) } catch { got = error.issues.map(\.description) }
    #expect(
      got == [
        "/srv/manifests/main.json: resources[0] 'module.staging': inputs.port: expected a number, got 'abc'",
        "/srv/manifests/main.json: resources[0] 'module.staging': inputs.prefx: the module has no input 'prefx' (did you mean 'prefix'?)",
        "/srv/manifests/main.json: resources[0] 'module.staging': inputs: input 'prefix' has no default: give it a value",
        "/srv/manifests/main.json: resources[1] 'module.staging': module instance 'staging' is declared twice",
        "/srv/manifests/main.json: resources[2] 'module.gone': source: no module in '../modules/none' (looked for *.json files in /srv/modules/none)",
        "/srv/manifests/main.json: resources[3] 'module.a.b': name: expected letters, digits, '_' or '-' (starting with a letter or digit), got 'a.b'",
        "/srv/manifests/main.json: resources[4]: content: '${module.staging.uri}' is not an output of a declared module instance",
        "/srv/manifests/main.json: resources[4]: content: '${input.x}' is for a module's own files; at the top level use ${var.NAME}",
      ], "\(got)")
    // The module's own mistakes, in its file, once its instance's inputs are right.
    var inModule: [String] = []
    do {
      _ = try Self.decode(
        """
        { "apiVersion": "reconcile/v1", "variables": { "x": "1" }, "resources": [
          { "kind": "module", "name": "staging", "source": "../modules/app", "inputs": { "prefix": "stg-" } } ] }
        """, module: module)
    } catch { inModule = error.issues.map(\.description) }
    #expect(inModule.contains("/srv/modules/app/module.json: project: 'project' is set by the top-level manifests, not by a module"), "\(inModule)")
  }
}

/// Moves (Terraform's `moved`): a record goes to its new address with its object, declared or found by the object's
/// locator, and the plan says so instead of destroying and creating.
@Suite struct ResourceMoveTests {
  static let top = """
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "module", "name": "staging", "source": "../modules/app", "inputs": { "prefix": "stg-" } },
      { "kind": "file", "name": "notes", "path": "/srv/notes", "content": "hi\\n" } ],
      "moved": [{ "from": "container/app", "to": "module.staging/container/app" }] }
    """

  func recorded(_ ids: [(String, [String: String])]) -> StateSnapshot {
    var s = StateSnapshot(lineage: "l")
    for (text, locator) in ids {
      let id = ResourceID(parsing: text)!
      s.resources[id] = ResourceRecord(id: id, locator: locator, attributes: [:], dependsOn: [], appliedAt: epoch, fingerprint: "f")
    }
    return s
  }

  @Test func declaredAndFoundMovesTakeTheirRecordsAlong() throws {
    let m = try ModuleTests.decode(Self.top)
    #expect(m.moved == [ResourceMove(from: ResourceID(parsing: "container/app")!, to: ResourceID(parsing: "module.staging/container/app")!)])
    // container/app is declared moved; file/old is found (the same path as file/notes); network/old-net has no match.
    let state = recorded([("container/app", ["name": "stg-app"]), ("file/old", ["path": "/srv/notes"]), ("network/old-net", ["name": "old-net"])])
    let moves = ResourceMove.moves(for: m, in: state)
    #expect(moves.map(\.text) == ["container/app has moved to module.staging/container/app", "file/old has moved to file/notes (the same object, found by where it is)"])
    let next = state.applying(moves)
    #expect(next.resources.keys.map(\.description).sorted() == ["file/notes", "module.staging/container/app", "network/old-net"])
    #expect(next.resources[ResourceID(parsing: "module.staging/container/app")!]?.formerly == ResourceID(parsing: "container/app"))
    #expect(next.resources[ResourceID(parsing: "file/notes")!]?.id == ResourceID(parsing: "file/notes"))
    // Moved again, the object still carries the first address.
    let twice = next.applying([ResourceMove(from: ResourceID(parsing: "module.staging/container/app")!, to: ResourceID(parsing: "container/app2")!)])
    #expect(twice.resources[ResourceID(parsing: "container/app2")!]?.formerly == ResourceID(parsing: "container/app"))
  }

  @Test func aPlanWithOnlyMovesSaysSo() {
    var p = Plan(steps: [])
    p.moves = [ResourceMove(from: ResourceID(parsing: "container/app")!, to: ResourceID(parsing: "module.staging/container/app")!)]
    #expect(!p.isEmpty)
    #expect(
      PlanTextRenderer().render(p) == """
        reconcile will perform these actions:

          # container/app has moved to module.staging/container/app

        Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy, 1 moved.

        """)
    let doc = try? JSONSerialization.jsonObject(with: PlanDocument(p, manifestDigest: "d", state: StateSnapshot(lineage: "l")).encoded()) as? [String: Any]
    let moved = doc?["moved"] as? [[String: Any]]
    #expect(moved?.count == 1 && moved?[0]["from"] as? String == "container/app" && moved?[0]["to"] as? String == "module.staging/container/app", "\(doc ?? [:])")
    #expect(moved?[0]["found"] as? Bool == false)
  }

  @Test func aMoveMustMakeSense() {
    let top = """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "file", "name": "a", "path": "/srv/a", "content": "" },
        { "kind": "module", "name": "staging", "source": "../modules/app", "inputs": { "prefix": "stg-" } } ],
        "moved": [
          { "from": "file/a", "to": "file/b" },
          { "from": "container/x", "to": "module.staging/network/stg-net" },
          { "from": "service/s", "to": "module.staging/container/app" },
          { "from": "nope", "to": "file/a" } ] }
      """
    var got: [String] = []
    do { _ = try ModuleTests.decode(top) } catch { got = error.issues.map(\.description) }
    #expect(
      got == [
        "/srv/manifests/main.json: moved[0]: from: 'file/a' is still declared; a move is from an address the manifests no longer have",
        "/srv/manifests/main.json: moved[0]: to: 'file/b' is not declared in the manifests",
        "/srv/manifests/main.json: moved[1]: to: 'container/x' cannot become a network: a move keeps the kind",
        "/srv/manifests/main.json: moved[2]: to: 'service/s' cannot become a container: a move keeps the kind",
        "/srv/manifests/main.json: moved[2]: from: a Swarm service cannot move yet: it is found by its address",
        "/srv/manifests/main.json: moved[3]: from: expected \"kind/name\" or \"module.NAME/kind/name\", got 'nope'",
      ], "\(got)")
  }
}
