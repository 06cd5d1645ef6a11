import Foundation
import Testing

@testable import ReconcileCore

/// `ContainerAdoption`: a container reconcile did not create, held against the spec that would manage it. Pure: the
/// live container is written the way the Docker driver reads one that docker-compose made.
@Suite struct ContainerAdoptionTests {
  static let manifest = """
    { "apiVersion": "reconcile/v1", "project": "shop", "resources": [
      { "kind": "network", "name": "shop_default" },
      { "kind": "volume", "name": "shop_data" },
      { "kind": "container", "name": "api", "dockerName": "shop_api_1", "image": "local/busybox:1",
        "command": ["httpd", "-f", "-p", "8080"], "env": { "GREETING": "hello", "TOKEN": "${secret.token}" },
        "ports": ["127.0.0.1:18080:8080"], "mounts": [{ "volume": "volume/shop_data", "target": "/data" }],
        "networks": [{ "network": "network/shop_default", "aliases": ["api"] }], "restart": "unless-stopped",
        "healthcheck": { "command": "wget -q -O- http://localhost:8080/", "interval": "2s", "retries": 3 },
        "labels": { "team": "shop" } } ] }
    """

  static func spec(_ json: String = manifest) throws -> ContainerSpec {
    try decode(json, secrets: ["token": "s3cret-value-1"])[ResourceID(kind: "container", name: "api")]!.spec as! ContainerSpec
  }

  /// The container compose made from the same service: the image's `PATH`, compose's labels, the Engine's short-ID
  /// alias already left out by the driver.
  static func live() -> LiveContainer {
    var c = LiveContainer(
      id: "3b96fc60cb6e" + String(repeating: "0", count: 52), state: "running", image: "local/busybox:1", command: ["httpd", "-f", "-p", "8080"],
      entrypoint: [], env: ["GREETING": "hello", "TOKEN": "s3cret-value-1", "PATH": "/bin"], user: "", workingDir: "",
      defaults: .init(command: ["/bin/sh"], entrypoint: [], env: ["PATH": "/bin"], user: "", workingDir: ""))
    c.ports = [PortMapping(parsing: "127.0.0.1:18080:8080")!]
    c.mounts = [ContainerSpec.Mount(source: .volume("shop_data"), target: "/data", readOnly: false)]
    c.networks = [ContainerSpec.NetworkAttachment(network: "shop_default", aliases: ["api"])]
    c.healthcheck = ContainerSpec.Healthcheck(test: ["CMD-SHELL", "wget -q -O- http://localhost:8080/"], interval: 2, timeout: nil, retries: 3, startPeriod: nil)
    c.labels = ["team": "shop", "com.docker.compose.project": "shop", "com.docker.compose.service": "api"]
    c.log = ContainerSpec.LogConfig(driver: "json-file", options: [:])
    return c
  }

  @Test func aMatchingContainerIsAdoptedWithTheLabelsReconcileWouldHaveGivenIt() throws {
    let spec = try Self.spec()
    let check = ContainerAdoption.check(spec, Self.live(), project: "shop")
    #expect(check.differences.isEmpty, "\(check.differences)")
    #expect(AdoptionReport.lines(check) == ["container/api: container 3b96fc60cb6e (running) matches the manifests"])
    // The hash the observer compares is the spec's own, so the next plan has nothing to do.
    let labels = check.adoption.labels
    #expect(labels[DockerLabel.configHash] == spec.configHash)
    #expect(labels[DockerLabel.resource] == "container/api" && labels[DockerLabel.project] == "shop" && labels[DockerLabel.imageRef] == "local/busybox:1")
    #expect(!labels.values.contains { $0.contains("s3cret-value-1") }, "a secret never goes into the recorded labels")
    let observed = DockerLabel.observedAttributes(spec.attributes.filter { $0.effect == .replace }, of: spec.id, labels: labels, desiredHash: spec.configHash)
    #expect(observed.count == spec.attributes.filter { $0.effect == .replace }.count)
  }

  @Test func differencesAreNamedAndSecretsAreNotShown() throws {
    var live = Self.live()
    live.env["GREETING"] = "hi"
    live.env["TOKEN"] = "another-secret-9"
    live.env["DEBUG"] = "1"
    live.ports = []
    live.networks.append(ContainerSpec.NetworkAttachment(network: "other", aliases: []))
    live.user = "1000"
    live.healthcheck = nil
    let check = ContainerAdoption.check(try Self.spec(), live, project: "shop")
    #expect(
      AdoptionReport.lines(check) == [
        "container/api: container 3b96fc60cb6e (running) differs from the manifests in 7 attributes:",
        "  env: 'DEBUG, GREETING, TOKEN' on the object, 'GREETING, TOKEN' in the manifests",
        "  env.GREETING: 'hi' on the object, 'hello' in the manifests",
        "  env.TOKEN: differs (a secret: neither value is shown)",
        "  ports: none on the object, '127.0.0.1:18080:8080/tcp' in the manifests",
        "  networks: 'other, shop_default (aliases: api)' on the object, 'shop_default (aliases: api)' in the manifests",
        "  healthcheck: none on the object, 'CMD-SHELL 'wget -q -O- http://localhost:8080/'; interval 2s; retries 3' in the manifests",
        "  user: '1000' on the object; the manifests declare none, so reconcile would create it without",
      ])
    #expect(!AdoptionReport.lines(check).joined().contains("another-secret-9") && !AdoptionReport.lines(check).joined().contains("s3cret-value-1"))
    // Adopted anyway, the recorded labels carry the container's own values: the next plan replaces it.
    #expect(check.adoption.labels[DockerLabel.configHash] != (try Self.spec()).configHash)
  }

  @Test func whatTheImageGivesIsNotADifference() throws {
    // No command, env or user declared: the container runs the image's defaults, and compose's labels are not ours.
    let json = """
      { "apiVersion": "reconcile/v1", "resources": [ { "kind": "container", "name": "api", "image": "local/busybox" } ] }
      """
    var live = LiveContainer(
      id: "ab" + String(repeating: "1", count: 62), state: "exited", image: "local/busybox:latest", command: ["/bin/sh"], entrypoint: [],
      env: ["PATH": "/bin"], user: "", workingDir: "", defaults: .init(command: ["/bin/sh"], entrypoint: [], env: ["PATH": "/bin"], user: "", workingDir: ""))
    live.networks = [ContainerSpec.NetworkAttachment(network: "bridge", aliases: [])]
    live.labels = ["com.docker.compose.project": "x"]
    let check = ContainerAdoption.check(try Self.spec(json), live, project: nil)
    // Only its state: the manifest wants it running.
    #expect(
      AdoptionReport.lines(check) == [
        "container/api: container ab1111111111 (exited) differs from the manifests in 1 attribute:", "  state: 'exited' on the object, 'running' in the manifests",
      ])
    #expect(check.adoption.labels[DockerLabel.imageRef] == "local/busybox")
  }

  @Test func networksAndVolumesCompareWhatTheyDeclare() throws {
    let m = try decode(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "network", "name": "n", "internal": true }, { "kind": "volume", "name": "v", "driver": "local" } ] }
      """)
    let network = ObjectAdoption.network(
      m[ResourceID(kind: "network", name: "n")]!.spec as! NetworkSpec, objectID: "f00d" + String(repeating: "0", count: 60), driver: "bridge", internal: false, project: "p")
    #expect(
      AdoptionReport.lines(network) == ["network/n: network f00d00000000 differs from the manifests in 1 attribute:", "  internal: 'false' on the object, 'true' in the manifests"])
    let volume = ObjectAdoption.volume(m[ResourceID(kind: "volume", name: "v")]!.spec as! VolumeSpec, driver: "local", project: "p")
    #expect(AdoptionReport.lines(volume) == ["volume/v: volume v matches the manifests"])
    #expect(volume.adoption.objectID == "v" && volume.adoption.labels[DockerLabel.project] == "p")
  }
}
