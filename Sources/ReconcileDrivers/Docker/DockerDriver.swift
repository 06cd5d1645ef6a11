import Foundation
import ReconcileCore

/// The Docker Engine adapter of the `image`, `container`, `network` and `volume` kinds.
///
/// Observes with one list call per kind filtered by `io.reconcile.managed=true`; objects without
/// that label are never changed or removed.
public struct DockerDriver: KindDriver {
  public let client: DockerEngineClient
  /// Image resources seen by the last observation, so a container can find an `image` resource
  /// that names an existing (unlabelled) image.
  let references = ImageReferenceBook()

  /// Labels added to every object this driver creates (tests mark their objects with them).
  public let extraLabels: [String: String]

  public init(client: DockerEngineClient, extraLabels: [String: String] = [:]) {
    self.client = client
    self.extraLabels = extraLabels
  }

  /// A driver for `$DOCKER_HOST` (default `unix:///var/run/docker.sock`).
  public static func fromEnvironment() throws -> DockerDriver {
    DockerDriver(client: try DockerEngineClient.fromEnvironment())
  }

  public var kinds: [String] { ["image", "container", "network", "volume"] }

  public func observe(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    do {
      for t in targets { if let image = t.spec as? ImageSpec { references.record(image.id, image.reference) } }
      return try await DockerObserver(client: client).observe(targets)
    } catch let error as DockerEngineError {
      throw OperationError("could not observe Docker objects: \(error)", retryable: error.isRetryable)
    }
  }

  public func perform(_ step: Step) async throws {
    switch step.id.kind {
    case "container": try await ContainerStepPerformer(client: client, references: references, extraLabels: extraLabels).perform(step)
    case "image": try await ImageStepPerformer(client: client, extraLabels: extraLabels).perform(step)
    default: try await NetworkVolumeStepPerformer(client: client, extraLabels: extraLabels).perform(step)
    }
  }
}

/// `image/x` -> `local/x:1` for image resources that name an existing image.
final class ImageReferenceBook: @unchecked Sendable {
  private let lock = NSLock()
  private var byID: [ResourceID: String] = [:]

  func record(_ id: ResourceID, _ reference: String) { lock.withLock { byID[id] = reference } }
  func reference(for id: ResourceID) -> String? { lock.withLock { byID[id] } }
}
