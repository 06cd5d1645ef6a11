import Foundation
import Testing

@testable import ReconcileCore

/// Manifest errors of the Docker kinds, pinned as text: path, what was expected, what was found.
@Suite struct DockerManifestErrorTests {
  static func wrap(_ resources: String) -> String { #"{ "apiVersion": "reconcile/v1", "resources": [ \#(resources) ] }"# }

  static let cases: [(String, [String])] = [
    (
      wrap(#"{ "kind": "container", "name": "web", "imgae": "local/busybox:1" }"#),
      [
        "m.json: resources[0] 'container/web': image: is required",
        "m.json: resources[0] 'container/web': unknown key 'imgae' (did you mean 'image'?)",
      ]
    ),
    (
      wrap(#"{ "kind": "container", "name": "web", "image": "local/busybox:1", "ports": ["80", "127.0.0.1:8080:80/xdp", "1.2.3:80:80"] }"#),
      [
        "m.json: resources[0] 'container/web': ports[0]: expected \"[IP:]HOST:CONTAINER[/tcp|udp]\" like \"127.0.0.1:8080:80\", got '80'",
        "m.json: resources[0] 'container/web': ports[1]: expected \"[IP:]HOST:CONTAINER[/tcp|udp]\" like \"127.0.0.1:8080:80\", got '127.0.0.1:8080:80/xdp'",
        "m.json: resources[0] 'container/web': ports[2]: expected \"[IP:]HOST:CONTAINER[/tcp|udp]\" like \"127.0.0.1:8080:80\", got '1.2.3:80:80'",
      ]
    ),
    (
      wrap(
        #"{ "kind": "container", "name": "web", "image": "local/busybox:1", "restart": "allways", "memory": "lots", "state": "paused" }"#),
      [
        "m.json: resources[0] 'container/web': memory: expected a size from 6m to 1024g like \"256m\" or \"1g\", got 'lots'",
        "m.json: resources[0] 'container/web': restart: expected one of 'no', 'always', 'unless-stopped', 'on-failure' or 'on-failure:N', got 'allways' (did you mean 'always'?)",
        "m.json: resources[0] 'container/web': state: expected one of 'running', 'stopped', got 'paused'",
      ]
    ),
    (
      wrap(
        #"{ "kind": "container", "name": "web", "image": "local/busybox:1", "mounts": [{ "target": "/data" }, { "volume": "data", "target": "rel" }, { "volume": "volume/a", "bind": "/b", "target": "/c" }] }"#
      ),
      [
        "m.json: resources[0] 'container/web': mounts[0]: expected \"volume\": \"volume/NAME\" or \"bind\": \"/host/path\"",
        "m.json: resources[0] 'container/web': mounts[1].target: expected an absolute path in the container, got 'rel'",
        "m.json: resources[0] 'container/web': mounts[1].volume: expected \"volume/NAME\", got 'data'",
        "m.json: resources[0] 'container/web': mounts[2]: give either 'volume' or 'bind', not both",
      ]
    ),
    (
      wrap(
        #"{ "kind": "container", "name": "web", "image": "local/busybox:1", "networks": [{ "network": "back", "alias": ["x"] }], "update": { "strategy": "recreate" } }"#
      ),
      [
        "m.json: resources[0] 'container/web': networks[0]: unknown key 'alias' (did you mean 'aliases'?)",
        "m.json: resources[0] 'container/web': networks[0].network: expected \"network/NAME\", got 'back'",
        "m.json: resources[0] 'container/web': update.strategy: expected one of 'stop-first', 'start-first', 'rolling', 'canary', 'blue-green', got 'recreate'",
      ]
    ),
    (
      wrap(
        #"{ "kind": "container", "name": "web", "image": "local/busybox:1", "labels": { "io.reconcile.managed": "false", "k": "${secret.t}" }, "healthcheck": { "interval": "5 s" } }"#
      ),
      [
        "m.json: resources[0] 'container/web': healthcheck.command: is required",
        "m.json: resources[0] 'container/web': healthcheck.interval: expected a duration like \"30s\", \"5m\" or \"1h30m\", got '5 s'",
        "m.json: resources[0] 'container/web': labels.io.reconcile.managed: label 'io.reconcile.managed' is set by reconcile itself",
        "m.json: resources[0] 'container/web': labels.k: secrets are not allowed in labels (anyone who can list containers reads them)",
      ]
    ),
    (
      wrap(
        #"{ "kind": "container", "name": "web", "image": "local/busybox:1", "ports": ["8080:80"], "update": { "strategy": "start-first", "healthyWithin": "0s" } }"#
      ),
      [
        "m.json: resources[0] 'container/web': update.healthyWithin: expected a duration greater than zero"
      ]
    ),
    (
      wrap(#"{ "kind": "image", "name": "app", "build": { "context": "ctx" }, "ref": "local/x:1" }"#),
      ["m.json: resources[0] 'image/app': give only one of 'build', 'import' or 'ref'"]
    ),
    (
      wrap(#"{ "kind": "image", "name": "App", "tag": "1" }"#),
      [
        "m.json: resources[0] 'image/App': expected one of 'build', 'import' or 'ref'",
        "m.json: resources[0] 'image/App': name: expected a lower-case image name (Docker repositories are lower case), got 'App'",
      ]
    ),
    (
      wrap(
        #"{ "kind": "image", "name": "a", "ref": "r.io/a:1", "push": true }, { "kind": "image", "name": "b", "tag": "team/b:1", "build": { "context": "/c" }, "push": true },"#
          + #" { "kind": "image", "name": "c", "build": { "context": "/c" }, "registry": { "server": "r.io", "username": "u", "password": "${secret.t}" } }"#),
      [
        "m.json: resources[0] 'image/a': push: only an image built or imported here is pushed; an image named by 'ref' comes from its registry",
        "m.json: resources[1] 'image/b': push: the tag must name a registry to push to, like \"registry.example.com/team/b:1\"; got 'team/b:1'",
        "m.json: resources[2] 'image/c': registry: only an image named by 'ref' is pulled from a registry, or one with 'push' pushed to it",
      ]
    ),
    (
      wrap(#"{ "kind": "volume", "name": "data", "drvier": "local" }, { "kind": "network", "name": "n", "internal": "yes" }"#),
      [
        "m.json: resources[0] 'volume/data': unknown key 'drvier' (did you mean 'driver'?)",
        "m.json: resources[1] 'network/n': internal: expected true or false, got 'yes'",
      ]
    ),
  ]

  @Test(arguments: 0..<cases.count) func pinnedErrors(_ i: Int) {
    let (json, expected) = Self.cases[i]
    #expect(issues(json, secrets: ["t": "secret-value"]).sorted() == expected.sorted())
  }

  /// A pushed image goes to its tag and, when the manifests are in a git work tree, to the revision's tag too.
  @Test func aPushedImageIsAlsoTaggedWithTheRevision() throws {
    let json = Self.wrap(#"{ "kind": "image", "name": "app", "tag": "localhost:5000/team/app:2", "build": { "context": "/c" }, "push": true }"#)
    let decoder = ManifestDecoder(
      secrets: FixedSecrets(), context: DecodeContext(templates: MemoryTemplates(files: [:])) { "0123456789abcdef0123456789abcdef01234567" })
    let spec = try #require(try decoder.decode([ManifestSource(file: "m.json", data: Data(json.utf8))]).resources.first?.spec as? ImageSpec)
    #expect(spec.pushed == ["localhost:5000/team/app:2", "localhost:5000/team/app:0123456789ab"])
    let outside = try #require(try decode(json).resources.first?.spec as? ImageSpec)
    #expect(outside.pushed == ["localhost:5000/team/app:2"], "outside a work tree: the tag alone")
  }

  @Test func dockerNameOverridesTheResourceName() throws {
    let m = try decode(Self.wrap(#"{ "kind": "container", "name": "web", "dockerName": "legacy_web.1", "image": "local/busybox:1" }"#))
    let spec = try #require(m.resources.first?.spec as? ContainerSpec)
    #expect(spec.locator == ["name": "legacy_web.1"])
  }

  @Test func anExistingImageReferenceMayTakeItsTagFromTag() throws {
    let m = try decode(
      Self.wrap(
        #"{ "kind": "image", "name": "a", "tag": "1", "ref": "local/busybox" }, { "kind": "image", "name": "b", "tag": "2", "ref": "local/busybox:2" }"#))
    #expect(m.resources.compactMap { ($0.spec as? ImageSpec)?.reference } == ["local/busybox:1", "local/busybox:2"])
    #expect(
      issues(Self.wrap(#"{ "kind": "image", "name": "c", "tag": "3", "ref": "local/busybox:1" }"#)) == [
        "m.json: resources[0] 'image/c': tag: 'ref' already names tag '1', which is not '3'; give one of them"
      ])
  }

  @Test func tagIsAPlainTagOrAWholeReference() throws {
    let m = try decode(
      Self.wrap(
        #"""
        { "kind": "image", "name": "a", "build": { "context": "/c" } },
        { "kind": "image", "name": "b", "tag": "7", "build": { "context": "/c" } },
        { "kind": "image", "name": "jules", "tag": "local/jules:latest", "build": { "context": "/c" } },
        { "kind": "image", "name": "d", "tag": "local/d", "import": "/d.tar" }
        """#))
    #expect(m.resources.compactMap { ($0.spec as? ImageSpec)?.reference }.sorted() == ["a:latest", "b:7", "local/d:latest", "local/jules:latest"])
    #expect(
      issues(Self.wrap(#"{ "kind": "image", "name": "e", "tag": "Local/E:1", "build": { "context": "/c" } }"#)) == [
        "m.json: resources[0] 'image/e': tag: expected a tag like \"1\" or a lower-case reference like \"local/app:1\", got 'Local/E:1'"
      ])
  }

  @Test func portSpellingsAreCanonical() {
    #expect(PortMapping(parsing: "8080:80")?.canonical == "8080:80/tcp")
    #expect(PortMapping(parsing: "127.0.0.1:53:53/udp")?.canonical == "127.0.0.1:53:53/udp")
    #expect(PortMapping(parsing: "70000:80") == nil)
    #expect(ResourceQuantity.bytes("1g") == 1 << 30)
    #expect(ResourceQuantity.format(bytes: 1536 << 10) == "1536KiB")
    #expect(ResourceQuantity.format(nanoCPUs: 1_250_000_000) == "1.25")
  }
}
