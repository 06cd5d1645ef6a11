import DockerEngine
import Foundation
import ReconcileCore

/// Which images stay on the host although no container runs them any more: those a kept generation resolved to, so
/// that `reconcile rollback` finds the exact bits again. Read when an image is about to be removed.
public struct ImageRetention: Sendable {
  public var keptIDs: @Sendable () -> Set<String>

  public init(keptIDs: @escaping @Sendable () -> Set<String>) { self.keptIDs = keptIDs }

  public static let none = ImageRetention { [] }

  /// Removes an untagged image that reconcile built, once its last container is gone and no kept generation uses it
  /// (best effort: the Engine refuses while another container still uses it).
  func removeIfUnusedBuild(_ imageID: String, client: DockerEngineClient) async {
    guard !keptIDs().contains(imageID), let image = try? await client.inspectImageIfPresent(imageID),
      DockerLabel.isManaged(image.config?.labels), (image.repoTags ?? []).isEmpty
    else { return }
    try? await client.removeImage(imageID)
  }

  /// Puts the image a generation resolved to back under `reference`. Calls `POST /images/{id}/tag`.
  static func restore(_ spec: ImageSpec, pin: ImageSpec.Pin, client: DockerEngineClient) async throws {
    guard try await client.inspectImageIfPresent(pin.id) != nil else {
      throw OperationError(
        "the image \(pin.id.prefix(19)) that generation \(pin.generation) ran under '\(spec.reference)' is no longer on this host "
          + "(images are kept only for the last generations: raise 'policy.keepGenerations')")
    }
    // A digest reference names the exact bits already.
    guard !spec.reference.contains("@") else { return }
    let (repo, tag) = DockerImageReference.split(spec.reference)
    try await client.tagImage(pin.id, repo: repo, tag: tag)
  }
}

extension DockerDriver {
  /// Removes the images that only dropped generations used: reconcile's own (labelled) images, under tags that no
  /// declared `image` resource uses now, and only when no container runs them (the Engine refuses otherwise; that is
  /// fine). Best effort: a failure leaves an image behind, never breaks the apply.
  public func release(_ imageIDs: Set<String>, keepingReferences references: Set<String>) async {
    let kept = Set(references.map(DockerImageReference.normalized))
    for id in imageIDs.sorted() {
      guard let image = try? await client.inspectImageIfPresent(id), DockerLabel.isManaged(image.config?.labels) else { continue }
      let tags = image.repoTags ?? []
      for tag in tags where !kept.contains(tag) { try? await client.removeImage(tag) }
      if tags.allSatisfy({ !kept.contains($0) }), (try? await client.inspectImageIfPresent(id)) != nil {
        try? await client.removeImage(id)
      }
    }
  }
}
