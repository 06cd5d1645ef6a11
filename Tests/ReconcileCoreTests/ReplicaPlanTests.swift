import Foundation
import Testing

@testable import ReconcileCore

/// Replicas in the plan: the count as an in-place change, replicas stopped or past the number as findings, a rolling
/// replacement's note, and what the manifests may not ask.
@Suite struct ReplicaPlanTests {
  static func manifest(replicas: Int, version: Int = 1, extra: String = "") -> String {
    #"""
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "container", "name": "app", "image": "local/busybox:1", "env": { "VERSION": "\#(version)" }, "replicas": \#(replicas)\#(extra) },
      { "kind": "site", "name": "web", "serverNames": ["example.org"], "routes": [ { "path": "/", "upstream": "container/app:8080" } ] } ] }
    """#
  }

  func render(_ m: Manifest, applied before: Manifest, replicas fact: String?, override: [String: String] = [:]) throws -> String {
    var observed = DockerPlanGoldenTests.container(before, "app", override: override)
    observed.facts[.replicas] = fact
    let site = try #require(m[ResourceID(kind: "site", name: "web")]?.spec as? SiteSpec)
    let p = plan(m, observed: ["container/app": observed, "site/web": Observation(exists: true, attributes: ["config": site.config.value])], state: applied(before))
    return PlanTextRenderer().render(p)
  }

  @Test func scalingIsAnInPlaceChange() throws {
    let m = try decode(Self.manifest(replicas: 4), templates: bundledTemplates)
    let text = try render(m, applied: m, replicas: "app-2=running", override: ["replicas": "2"])
    #expect(
      text == """
        reconcile will perform these actions:

          ~ container/app (replicas changed: '2' -> '4')
              replicas = "2" -> "4"

        Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.

        """)
  }

  @Test func replicasStoppedOrPastTheNumberAreFindings() throws {
    let three = try decode(Self.manifest(replicas: 3), templates: bundledTemplates)
    let down = try render(three, applied: three, replicas: "app-2=running,app-3=exited", override: ["replicas": "3"])
    #expect(down.contains("~ container/app (replica app-3 not running; started again)"), "\(down)")
    let one = try decode(Self.manifest(replicas: 1), templates: bundledTemplates)
    let surplus = try render(one, applied: one, replicas: "app-2=running,app-3=running")
    #expect(surplus.contains("~ container/app (replicas app-2, app-3 beyond 'replicas'; removed)"), "\(surplus)")
    #expect(try render(three, applied: three, replicas: "app-2=running,app-3=running", override: ["replicas": "3"]) == "No changes. The host matches the manifests.\n")
  }

  @Test func aNewVersionRollsOneReplicaAtATime() throws {
    let before = try decode(Self.manifest(replicas: 3), templates: bundledTemplates)
    let after = try decode(Self.manifest(replicas: 3, version: 2), templates: bundledTemplates)
    let text = try render(after, applied: before, replicas: "app-2=running,app-3=running", override: ["replicas": "3"])
    #expect(
      text.contains(
        "-/+ container/app (env.VERSION changed: '1' -> '2'; rolling, one of 3 replicas at a time: each new one healthy before nginx at /var/lib/reconcile/nginx moves to it, the old one drains for at most 30s)"
      ), "\(text)")
  }

  @Test func aBatchSaysHowManyAtATime() throws {
    let before = try decode(Self.manifest(replicas: 4, extra: #", "update": { "batch": 2 }"#), templates: bundledTemplates)
    let after = try decode(Self.manifest(replicas: 4, version: 2, extra: #", "update": { "batch": 2 }"#), templates: bundledTemplates)
    let text = try render(after, applied: before, replicas: "app-2=running,app-3=running,app-4=running", override: ["replicas": "4"])
    #expect(
      text.contains(
        "-/+ container/app (env.VERSION changed: '1' -> '2'; rolling, 2 of 4 replicas at a time: each batch healthy before nginx at /var/lib/reconcile/nginx moves to it, the old ones drain for at most 30s)"
      ), "\(text)")
  }

  @Test func replicaNamesAndNumbers() {
    #expect(ContainerSpec.replicaName("app", 1) == "app" && ContainerSpec.replicaName("app", 12) == "app-12")
    #expect(ContainerSpec.replicaIndex(of: "app-3", base: "app") == 3)
    for name in ["app", "app-1", "app-03", "app-x", "app-3-reconcile-next", "app-2-3", "other-2"] {
      #expect(ContainerSpec.replicaIndex(of: name, base: "app") == nil, "\(name)")
    }
  }

  @Test func whatReplicasCannotBe() {
    let cases: [(String, Int, String)] = [
      (
        #", "ports": ["8080:8080"]"#, 2,
        #"replicas: 2 containers cannot publish the same host ports; drop "ports" and route to them through a site (nginx reaches each on its network)"#
      ),
      (
        #", "update": { "strategy": "canary" }"#, 2,
        #"update.strategy: 'canary' runs one new container beside one old one; with "replicas" the replacement is rolling (leave "strategy" out)"#
      ),
      ("", 0, "replicas: expected a whole number in 1...100, got 0"),
    ]
    for (extra, replicas, message) in cases {
      do {
        _ = try decode(Self.manifest(replicas: replicas, extra: extra), templates: bundledTemplates)
        Issue.record("expected an error for \(extra)")
      } catch {
        #expect(error.issues.map(\.description).contains("m.json: resources[0] 'container/app': \(message)"), "\(error.issues)")
      }
    }
  }
}
