import Foundation
import Testing

@testable import ReconcileCore

/// Every label set is assembled by `DockerLabel`: reconcile's own labels win over the manifest's,
/// and extra labels (tests mark their objects with them) only fill free keys.
@Suite("Docker label sets")
struct DockerLabelTests {
  @Test func aContainerCarriesTheManifestsLabelsThenReconcilesOwnAndExtrasOnlyWhereFree() throws {
    let manifest = try decode(
      #"""
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "container", "name": "web", "image": "local/busybox:1", "labels": { "team": "a" } } ] }
      """#)
    let spec = try #require(manifest.resources.first?.spec as? ContainerSpec)
    let labels = DockerLabel.container(
      spec, imageRef: "local/busybox:1", extra: ["team": "b", DockerLabel.managed: "false", "test-run": "1"])
    #expect(labels["team"] == "a")
    #expect(labels["test-run"] == "1")
    #expect(labels[DockerLabel.managed] == "true")
    #expect(labels[DockerLabel.resource] == "container/web")
    #expect(labels[DockerLabel.configHash] == spec.configHash)
    #expect(labels[DockerLabel.imageRef] == "local/busybox:1")
    #expect(DockerLabel.storedSpec(labels)["image"] == "local/busybox:1")
    #expect(DockerLabel.isManaged(labels))
  }

  @Test func aNetworkOrVolumeCarriesTheBaseSet() {
    let id = ResourceID(kind: "volume", name: "data")
    let labels = DockerLabel.object(id, hash: "sha256:x", extra: [DockerLabel.resource: "volume/other", "test-run": "1"])
    #expect(
      labels == [
        DockerLabel.managed: "true", DockerLabel.resource: "volume/data", DockerLabel.configHash: "sha256:x", "test-run": "1",
      ])
    #expect(DockerLabel.ownedFilter(id) == [DockerLabel.managed: "true", DockerLabel.resource: "volume/data"])
  }
}
