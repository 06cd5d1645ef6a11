import DockerEngine
import Foundation
import ReconcileCore

/// Finds the image a container runs: a local reference as given, or the newest image built for
/// an `image` resource (by its `io.reconcile.resource` label).
struct DockerImageResolver: Sendable {
  let client: DockerEngineClient

  /// (what to pass as `Image`, the reference to record). Calls `GET /images/json`.
  func resolve(_ spec: ContainerSpec) async throws -> (image: String, reference: String) {
    switch spec.image {
    case .reference(let ref):
      guard try await client.inspectImageIfPresent(ref) != nil else {
        throw OperationError("image '\(ref)' is not present in the local image store (no registry is used); build or load it first, or declare it as an image resource")
      }
      return (ref, ref)
    case .resource(let id):
      // The reference the image resource declares (the spec read it from the manifests) is the one to record.
      if let ref = spec.imageReference, try await client.inspectImageIfPresent(ref) != nil {
        return (ref, ref)
      }
      let images = try await client.listImages(labels: DockerLabel.ownedFilter(id))
      if let newest = images.max(by: { $0.created < $1.created }) {
        let tag = (newest.repoTags ?? []).first { $0 != "<none>:<none>" }
        return (newest.id, tag ?? newest.id)
      }
      throw OperationError("\(id) has not been built or found; apply it first (it is a dependency of this container)")
    }
  }
}
