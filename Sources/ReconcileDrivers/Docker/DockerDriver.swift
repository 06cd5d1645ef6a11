import DockerEngine
import Foundation
import ReconcileCore

/// The Docker Engine adapter of the `image`, `container`, `network` and `volume` kinds.
///
/// Observes with one list call per kind filtered by `io.reconcile.managed=true`; objects without
/// that label are never changed or removed.
public struct DockerDriver: KindDriver {
  public let client: DockerEngineClient
  /// Labels added to every object this driver creates (tests mark their objects with them).
  public let extraLabels: [String: String]
  /// The images kept for rollback, never removed.
  public let retention: ImageRetention
  /// Where a canary's pause waits for `reconcile promote` or `abort` (the state directory's `rollouts/`).
  public var rollouts: RolloutGate = .none
  /// The state's key for hashing secrets: a Swarm secret's name carries a keyed digest of its value, so a weak value
  /// cannot be guessed from the name (a plain digest without it).
  public var secretKey: @Sendable () -> [UInt8]? = { nil }

  public init(client: DockerEngineClient, extraLabels: [String: String] = [:], retention: ImageRetention = .none) {
    self.init(client: client, extraLabels: extraLabels, retention: retention, setupError: nil)
  }

  init(client: DockerEngineClient, extraLabels: [String: String], retention: ImageRetention, setupError: DockerEngineError?) {
    self.client = client
    self.extraLabels = extraLabels
    self.retention = retention
    self.setupError = setupError
  }

  /// Why this driver cannot talk to any engine (an unsupported `DOCKER_HOST`), reported on first use.
  let setupError: DockerEngineError?

  /// A driver for `DOCKER_HOST` in `environment` (default `unix:///var/run/docker.sock`). Never
  /// fails: an unusable `DOCKER_HOST` is reported, with its value, when a Docker kind is used.
  public init(environment: [String: String], retention: ImageRetention = .none) {
    do {
      self.init(client: try DockerEngineClient.fromEnvironment(environment), retention: retention)
    } catch {
      self.init(
        client: try! DockerEngineClient(host: "unix:///nonexistent"), extraLabels: [:], retention: retention, setupError: error as? DockerEngineError)
    }
  }

  public var kinds: [String] { ["image", "container", "service", "node", "network", "volume"] }

  public func observe(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    if let setupError { throw setupError.operationError(doing: "observe Docker objects") }
    do {
      return try await DockerObserver(client: client, rollouts: rollouts).observe(targets)
    } catch let error as DockerEngineError {
      throw error.operationError(doing: "observe Docker objects")
    }
  }

  public func perform(_ step: Step) async throws {
    if let setupError { throw setupError.operationError(doing: step.action.rawValue, of: step.id) }
    // Everything this step creates carries the project it belongs to.
    let extraLabels = self.extraLabels.merging(step.project.map { [DockerLabel.project: $0] } ?? [:]) { _, project in project }
    switch step.id.kind {
    case "container": try await ContainerStepPerformer(client: client, extraLabels: extraLabels, retention: retention, rollouts: rollouts).perform(step)
    case "service": try await ServiceStepPerformer(client: client, extraLabels: extraLabels, secretKey: secretKey()).perform(step)
    case "node": try await NodeStepPerformer(client: client).perform(step)
    case "image": try await ImageStepPerformer(client: client, extraLabels: extraLabels, retention: retention).perform(step)
    default: try await NetworkVolumeStepPerformer(client: client, extraLabels: extraLabels).perform(step)
    }
  }
}
