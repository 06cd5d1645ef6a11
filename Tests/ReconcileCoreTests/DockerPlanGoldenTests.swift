import Foundation
import Testing

@testable import ReconcileCore

/// Golden plan texts for the Docker kinds: the whole rendering is the assertion. Pure: the
/// observations are built by hand the way the Docker observer reports them.
@Suite struct DockerPlanGoldenTests {
  static let issueExample = """
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "container", "name": "web", "image": "local/busybox:1",
        "command": ["/bin/httpd", "-f", "-p", "80", "-h", "/"], "ports": ["127.0.0.1:18080:80"],
        "env": { "GREETING": "hi" }, "restart": "unless-stopped" } ] }
    """

  /// What the observer reports for a container created from `spec` and still matching it.
  static func container(_ m: Manifest, _ name: String, facts: [Fact: String] = [:], override: [String: String] = [:]) -> Observation {
    let spec = m[ResourceID(kind: "container", name: name)]!.spec
    var attributes: [String: String] = [:]
    for a in spec.attributes { attributes[a.name] = a.value }
    for (k, v) in override { attributes[k] = v }
    var all: [Fact: String] = [.state: "running", .imageRef: "local/busybox:1", .imageID: "sha256:aaa", .referenceImageID: "sha256:aaa"]
    for (k, v) in facts { all[k] = v }
    return Observation(exists: true, attributes: attributes, facts: all)
  }

  @Test func issueExampleCreates() throws {
    let text = PlanTextRenderer().render(plan(try decode(Self.issueExample)))
    #expect(
      text == """
        reconcile will perform these actions:

          + container/web (not present on the host)
              name         = "web"
              image        = "local/busybox:1"
              command      = "/bin/httpd -f -p 80 -h /"
              env          = "GREETING"
              env.GREETING = "hi"
              ports        = "127.0.0.1:18080:80/tcp"
              restart      = "unless-stopped"

        Plan: 1 to add, 0 to change, 0 to replace, 0 to destroy.

        """)
  }

  @Test func matchingContainerHasNoChanges() throws {
    let m = try decode(Self.issueExample)
    let p = plan(m, observed: ["container/web": Self.container(m, "web")], state: applied(m))
    #expect(PlanTextRenderer().render(p) == "No changes. The host matches the manifests.\n")
  }

  @Test func imageChangeReplacesNamingTheField() throws {
    let m = try decode(Self.issueExample.replacingOccurrences(of: "local/busybox:1", with: "local/busybox:2"))
    let observed = Self.container(m, "web", override: ["image": "local/busybox:1"])
    let p = plan(m, observed: ["container/web": observed], state: applied(m))
    #expect(
      PlanTextRenderer().render(p) == """
        reconcile will perform these actions:

          -/+ container/web (image changed: 'local/busybox:1' -> 'local/busybox:2')
              image = "local/busybox:1" -> "local/busybox:2"

        Plan: 0 to add, 0 to change, 1 to replace, 0 to destroy.

        """)
  }

  @Test func imageResourceTagChangeAndPendingRebuild() throws {
    let m = try decode(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "image", "name": "app", "tag": "2", "build": { "context": "/srv/app" } },
        { "kind": "container", "name": "api", "image": "image/app" },
        { "kind": "container", "name": "worker", "image": "image/app" } ] }
      """)
    let image = Observation(
      exists: true, attributes: ["context": "/srv/app", "dockerfile": "Dockerfile"],
      facts: [.id: "sha256:111", .sourceDigest: "sha256:aaaaaaaaaaaaaaaa", .currentDigest: "sha256:bbbbbbbbbbbbbbbb"])
    // `api` runs an older tag; `worker` runs app:2, which this plan rebuilds: the planner decides that from the
    // image's own step, not from anything the container's observer reports.
    let api = Self.container(m, "api", facts: [.imageRef: "app:1"])
    let worker = Self.container(m, "worker", facts: [.imageRef: "app:2", .imageID: "sha256:111"])
    let p = plan(m, observed: ["image/app": image, "container/api": api, "container/worker": worker], state: applied(m))
    #expect(
      PlanTextRenderer().render(p) == """
        reconcile will perform these actions:

          -/+ image/app (build context changed: 'aaaaaaaaaaaa' -> 'bbbbbbbbbbbb')
              digest = "aaaaaaaaaaaa" -> "bbbbbbbbbbbb"

          -/+ container/api (image changed: 'app:1' -> 'app:2')
              image = "app:1" -> "app:2"

          -/+ container/worker (image changed: 'app:2' will be rebuilt (image/app has a new build source))

        Plan: 0 to add, 0 to change, 3 to replace, 0 to destroy.

        """)
    #expect(p.steps[1].after == [ResourceID(kind: "image", name: "app")])
  }

  /// A rollback pins each image resource to the ID its generation ran: the image is tagged again (an update, whatever its
  /// build context says now) and its containers are replaced; once the reference names that ID, nothing is left to do.
  @Test func aPinnedImageGoesBackAndTakesItsContainers() throws {
    let json = """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "image", "name": "app", "build": { "context": "/srv/app" } },
        { "kind": "container", "name": "api", "image": "image/app" } ] }
      """
    let m = Generation(
      number: 3, time: Date(), manifestDigest: "", revision: nil, by: .init(user: "u", host: "h"), command: "reconcile apply", sources: [],
      images: ["image/app": .init(reference: "app:latest", id: "sha256:0d60ca82b0fb1234")]
    ).pinning(try decode(json))
    let image = Observation(
      exists: true, attributes: ["context": "/srv/app", "dockerfile": "Dockerfile"],
      facts: [.id: "sha256:59fc15dadd541234", .sourceDigest: "sha256:aaaaaaaaaaaaaaaa", .currentDigest: "sha256:bbbbbbbbbbbbbbbb"])
    let api = Self.container(m, "api", facts: [.imageRef: "app:latest", .imageID: "sha256:59fc15dadd541234"])
    let p = plan(m, observed: ["image/app": image, "container/api": api], state: applied(m))
    #expect(
      PlanTextRenderer().render(p) == """
        reconcile will perform these actions:

          ~ image/app ('app:latest' goes back to the image of generation 3: 59fc15dadd54 -> 0d60ca82b0fb)
              id = "59fc15dadd54" -> "0d60ca82b0fb"

          -/+ container/api (image changed: 'app:latest' goes back to 0d60ca82b0fb (image/app of generation 3))

        Plan: 0 to add, 1 to change, 1 to replace, 0 to destroy.

        """)
    let back = image.with(facts: [.id: "sha256:0d60ca82b0fb1234"])
    let done = plan(
      m, observed: ["image/app": back, "container/api": Self.container(m, "api", facts: [.imageRef: "app:latest", .imageID: "sha256:0d60ca82b0fb1234"])], state: applied(m))
    #expect(done.isEmpty, "a build context that moved on does not rebuild a pinned image")
  }

  /// The container's replacement is decided from the step the planner already took for its image: a missing image is
  /// built, an image whose build settings changed is rebuilt, and the container goes with it in the same apply.
  @Test func aContainerFollowsItsImageStepInTheSamePlan() throws {
    let json = """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "image", "name": "app", "tag": "2", "build": { "context": "/srv/app", "dockerfile": "Dockerfile.prod" } },
        { "kind": "container", "name": "api", "image": "image/app" } ] }
      """
    let m = try decode(json)
    let api = Self.container(m, "api", facts: [.imageRef: "app:2", .imageID: "sha256:111"])
    let missing = plan(m, observed: ["container/api": api], state: applied(m))
    #expect(missing.steps.map(\.id.description) == ["image/app", "container/api"])
    #expect(missing.steps[1].reasons == ["image changed: 'app:2' will be built (image/app is missing)"])
    #expect(missing.steps[1].action == .replace)

    let image = Observation(exists: true, attributes: ["context": "/srv/app", "dockerfile": "Dockerfile"], facts: [.id: "sha256:111"])
    let rebuilt = plan(m, observed: ["image/app": image, "container/api": api], state: applied(m))
    #expect(
      PlanTextRenderer().render(rebuilt) == """
        reconcile will perform these actions:

          -/+ image/app (dockerfile changed: 'Dockerfile' -> 'Dockerfile.prod')
              dockerfile = "Dockerfile" -> "Dockerfile.prod"

          -/+ container/api (image changed: 'app:2' will be rebuilt (image/app: dockerfile changed: 'Dockerfile' -> 'Dockerfile.prod'))

        Plan: 0 to add, 0 to change, 2 to replace, 0 to destroy.

        """)

    let current = plan(m, observed: ["image/app": image.with(attributes: ["dockerfile": "Dockerfile.prod"]), "container/api": api], state: applied(m))
    #expect(current.isEmpty, "an image left as it is leaves its container alone")
  }

  @Test func exitedUnhealthyAndStoppedByHandAreDrift() throws {
    let m = try decode(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "container", "name": "a", "image": "local/busybox:1" },
        { "kind": "container", "name": "b", "image": "local/busybox:1" },
        { "kind": "container", "name": "c", "image": "local/busybox:1", "state": "stopped" } ] }
      """)
    let p = plan(
      m,
      observed: [
        "container/a": Self.container(m, "a", facts: [.state: "exited", .exitCode: "137"]),
        "container/b": Self.container(m, "b", facts: [.health: "unhealthy"]),
        "container/c": Self.container(m, "c"),
      ], state: applied(m))
    #expect(
      PlanTextRenderer().render(p) == """
        reconcile will perform these actions:

          ~ container/a (container is exited (exit code 137))
              state = "exited" -> "running"

          ~ container/b (container is unhealthy)
              health = "unhealthy" -> "restarted"

          ~ container/c (container is running but the manifest says 'stopped')
              state = "running" -> "stopped"

        Plan: 0 to add, 3 to change, 0 to replace, 0 to destroy.

        """)
  }

  @Test func restartAndLimitsUpdateInPlaceOtherFieldsReplace() throws {
    let m = try decode(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "container", "name": "web", "image": "local/busybox:1", "restart": "always", "memory": "256m", "cpus": 1.5,
          "pidsLimit": 100 },
        { "kind": "container", "name": "db", "image": "local/busybox:1", "restart": "always", "user": "999" } ] }
      """)
    let p = plan(
      m,
      observed: [
        "container/web": Self.container(m, "web", override: ["restart": "no", "memory": "128MiB", "cpus": "1", "pidsLimit": "unlimited"]),
        "container/db": Self.container(m, "db", override: ["restart": "no", "user": "root"]),
      ], state: applied(m))
    #expect(
      PlanTextRenderer().render(p) == """
        reconcile will perform these actions:

          -/+ container/db (restart changed: 'no' -> 'always'; user changed: 'root' -> '999')
              restart = "no" -> "always"
              user    = "root" -> "999"

          ~ container/web (restart changed: 'no' -> 'always'; memory changed: '128MiB' -> '256MiB'; cpus changed: '1' -> '1.5'; pidsLimit changed: 'unlimited' -> '100')
              restart   = "no" -> "always"
              memory    = "128MiB" -> "256MiB"
              cpus      = "1" -> "1.5"
              pidsLimit = "unlimited" -> "100"

        Plan: 0 to add, 1 to change, 1 to replace, 0 to destroy.

        """)
  }

  /// A setting the container was made with that the manifests dropped (its spec label still has it, so the observer
  /// reports it): the container is made anew without it; a dropped secret's stored hash is never shown.
  @Test func aSettingRemovedFromTheManifestsReplaces() throws {
    let m = try decode(Self.issueExample)
    let hash = "sha256:" + String(repeating: "ab", count: 32)
    let observed = Self.container(m, "web", override: ["user": "nobody", "env.TOKEN": hash])
    #expect(
      PlanTextRenderer().render(plan(m, observed: ["container/web": observed], state: applied(m))) == """
        reconcile will perform these actions:

          -/+ container/web ('env.TOKEN' removed from the manifests; 'user' removed from the manifests)
              env.TOKEN = (sensitive value) -> (removed)
              user      = "nobody" -> (removed)

        Plan: 0 to add, 0 to change, 1 to replace, 0 to destroy.

        """)
  }

  @Test func secretsNeverShowAndTheirChangeSaysSensitive() throws {
    let json = """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "container", "name": "app", "image": "local/busybox:1", "env": { "TOKEN": "${secret.token}", "MODE": "prod" } } ] }
      """
    let create = PlanTextRenderer().render(plan(try decode(json, secrets: ["token": "hunter2-secret"])))
    #expect(!create.contains("hunter2-secret"))
    #expect(create.contains("env.TOKEN = (sensitive value)"), "\(create)")
    let m = try decode(json, secrets: ["token": "rotated-secret"])
    let observed = Self.container(m, "app", override: ["env.TOKEN": "sha256:0123"])
    let text = PlanTextRenderer().render(plan(m, observed: ["container/app": observed], state: applied(m)))
    #expect(!text.contains("rotated-secret"))
    #expect(
      text == """
        reconcile will perform these actions:

          -/+ container/app (env.TOKEN changed (sensitive))
              env.TOKEN = (sensitive value) -> (sensitive value)

        Plan: 0 to add, 0 to change, 1 to replace, 0 to destroy.

        """)
  }

  @Test func implicitDependenciesOrderImagesNetworksVolumesFirst() throws {
    let m = try decode(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "container", "name": "web", "image": "image/app",
          "mounts": [{ "volume": "volume/data", "target": "/data" }], "networks": [{ "network": "network/back", "aliases": ["api"] }] },
        { "kind": "volume", "name": "data" },
        { "kind": "network", "name": "back", "internal": true },
        { "kind": "image", "name": "app", "ref": "local/busybox:1" } ] }
      """)
    let web = m[ResourceID(kind: "container", name: "web")]!
    #expect(Set(web.dependsOn.map(\.description)) == ["image/app", "volume/data", "network/back"])
    #expect(m.resources.last?.id.description == "container/web")
    let p = plan(m)
    #expect(Set(p.steps.last!.after.map(\.description)) == ["image/app", "volume/data", "network/back"])
  }

  @Test func pruneKeepsVolumesAndSaysWhy() throws {
    let old = try decode(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "volume", "name": "data" },
        { "kind": "container", "name": "db", "image": "local/busybox:1", "mounts": [{ "volume": "volume/data", "target": "/var/lib/db" }] } ] }
      """)
    let now = try decode(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
    let observed: [String: Observation] = ["volume/data": Observation(exists: true), "container/db": Observation(exists: true)]
    #expect(
      PlanTextRenderer().render(plan(now, observed: observed, state: applied(old))) == """
        reconcile will perform these actions:

          - container/db (no longer in the manifests)

          # volume/data is kept: volumes hold data, so they are kept; --prune-volumes removes them

        Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy.

        """)
    let pruning = plan(now, observed: observed, state: applied(old), options: PlanOptions(pruneKinds: ["volume"]))
    #expect(pruning.steps.map(\.id.description) == ["container/db", "volume/data"])
    #expect(pruning.steps[1].after == [ResourceID(kind: "container", name: "db")])
  }
}

extension Observation {
  func with(attributes more: [String: String]) -> Observation {
    var o = self
    for (k, v) in more { o.attributes[k] = v }
    return o
  }
}

extension Observation {
  func with(facts more: [Fact: String]) -> Observation {
    var o = self
    for (k, v) in more { o.facts[k] = v }
    return o
  }
}
