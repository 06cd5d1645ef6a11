import Foundation
import Testing
@testable import ReconcileCore

/// Golden plan texts: the whole rendering is the assertion.
@Suite struct PlanGoldenTests {
  static let demo = """
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "directory", "name": "site", "path": "/tmp/demo/site", "mode": "0755" },
      { "kind": "file", "name": "motd", "path": "/tmp/demo/site/motd", "content": "hello\\n", "mode": "0644", "dependsOn": ["directory/site"] } ] }
    """

  @Test func createOnEmptyHost() throws {
    let text = PlanTextRenderer().render(plan(try decode(Self.demo)))
    #expect(
      text == """
        reconcile will perform these actions:

          + directory/site (not present on the host)
              path = "/tmp/demo/site"
              mode = "0755"

          + file/motd (not present on the host)
              path    = "/tmp/demo/site/motd"
              content: 6 bytes, 1 line
                  @@ -0,0 +1,1 @@
                  +hello
              mode    = "0644"

        Plan: 2 to add, 0 to change, 0 to replace, 0 to destroy.

        """)
  }

  @Test func noChanges() throws {
    let m = try decode(Self.demo)
    let p = plan(m, observed: ["directory/site": file(nil, mode: "0755"), "file/motd": file("hello\n")], state: applied(m))
    #expect(PlanTextRenderer().render(p) == "No changes. The host matches the manifests.\n")
  }

  @Test func updateInPlaceWithContentDiff() throws {
    let m = try decode(Self.demo)
    let p = plan(m, observed: ["directory/site": file(nil, mode: "0755"), "file/motd": file("hello world\nsecond\n", mode: "0600")], state: applied(m))
    #expect(
      PlanTextRenderer().render(p) == """
        reconcile will perform these actions:

          ~ file/motd (content changed; mode changed: '0600' -> '0644')
              content:
                  @@ -1,2 +1,1 @@
                  -hello world
                  -second
                  +hello
              mode    = "0600" -> "0644"

        Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.

        """)
  }

  @Test func destroyWhatLeftTheManifestsDependentsFirst() throws {
    let old = try decode(Self.demo)
    let now = try decode(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
    let p = plan(now, observed: ["directory/site": file(nil, mode: "0755"), "file/motd": file("hello\n")], state: applied(old))
    #expect(
      PlanTextRenderer().render(p) == """
        reconcile will perform these actions:

          - file/motd (no longer in the manifests)

          - directory/site (no longer in the manifests)

        Plan: 0 to add, 0 to change, 0 to replace, 2 to destroy.

        """)
    #expect(p.steps[1].after == [ResourceID(kind: "file", name: "motd")])
  }

  @Test func replaceWhenThePathMoves() throws {
    let m = try decode(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "a", "path": "/tmp/new", "content": "x\n" } ] }"#)
    var state = applied(m)
    state.resources[ResourceID(kind: "file", name: "a")]!.locator = ["path": "/tmp/old"]
    let p = plan(m, state: state)
    #expect(
      PlanTextRenderer().render(p).hasPrefix(
        """
        reconcile will perform these actions:

          -/+ file/a (path changed: '/tmp/old' -> '/tmp/new')
        """))
    #expect(p.steps.map(\.action) == [.replace])
  }

  @Test func secretsAreNeverShown() throws {
    let m = try decode(
      #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "t", "path": "/tmp/t", "content": "token=${secret.TOKEN}" } ] }"#, secrets: ["TOKEN": "hunter22"])
    let p = plan(m, observed: ["file/t": file("token=old")], state: applied(m))
    let text = PlanTextRenderer().render(p)
    #expect(
      text == """
        reconcile will perform these actions:

          ~ file/t (content changed (sensitive))
              content = (sensitive value) -> (sensitive value)

        Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.

        """)
    let json = String(decoding: PlanDocument(p, manifestDigest: "d", state: applied(m)).encoded(), as: UTF8.self)
    #expect(!json.contains("hunter22") && !json.contains("token=old"))
    #expect(!applied(m).resources.values.contains { $0.attributes.values.contains { $0.contains("hunter22") } })
  }

  @Test func ensureAbsentDestroysAndAlreadyGoneIsForgotten() throws {
    let m = try decode(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "old", "path": "/tmp/old", "ensure": "absent" } ] }"#)
    #expect(
      PlanTextRenderer().render(plan(m, observed: ["file/old": file("x")])) == """
        reconcile will perform these actions:

          - file/old (ensure is 'absent')

        Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy.

        """)
    #expect(plan(m).isEmpty)
  }

  @Test func longDiffsAreElidedWithACount() throws {
    let body = (1...100).map { "line \($0)" }.joined(separator: "\n") + "\n"
    let m = try decode(
      #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "big", "path": "/tmp/big", "content": "\#(body.replacingOccurrences(of: "\n", with: "\\n"))" } ] }"#
    )
    let text = PlanTextRenderer(maxDiffLines: 10).render(plan(m))
    #expect(text.contains("          … 91 more lines of diff\n"))
  }

  @Test func keptKindsAreNotPrunedAndSaySo() throws {
    var registry = KindRegistry.builtIn
    registry.register(KindDescriptor(name: "volume", keptOnPrune: "volumes are kept unless apply --prune-volumes") { _, _, _ in nil })
    let id = ResourceID(kind: "volume", name: "data")
    var state = StateSnapshot(lineage: "l")
    state.resources[id] = ResourceRecord(id: id, locator: ["name": "data"], attributes: [:], dependsOn: [], appliedAt: epoch, fingerprint: "f")
    let m = try decode(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
    let planner = Planner(registry: registry, form: testForm)
    let kept = planner.plan(m, observed: ObservedState([id: Observation(exists: true)]), state: state, now: epoch)
    #expect(
      PlanTextRenderer().render(kept) == """
        No changes. The host matches the manifests.
          # volume/data is kept: volumes are kept unless apply --prune-volumes

        """)
    let pruned = planner.plan(m, observed: ObservedState([id: Observation(exists: true)]), state: state, options: PlanOptions(pruneKinds: ["volume"]), now: epoch)
    #expect(pruned.steps.map(\.action) == [.destroy])
  }

  @Test func targetKeepsDependenciesAndExcludeDropsDependents() throws {
    let m = try decode(Self.demo)
    let p = plan(m)
    let filter = PlanFilter(manifest: m, state: StateSnapshot(lineage: "l"))
    let motd = ResourceID(kind: "file", name: "motd"), site = ResourceID(kind: "directory", name: "site")
    #expect(filter.narrow(p, targets: [motd], excludes: []).steps.map(\.id) == [site, motd])
    #expect(filter.narrow(p, targets: [site], excludes: []).steps.map(\.id) == [site])
    #expect(filter.narrow(p, targets: [], excludes: [site]).steps.isEmpty)
  }
}
