import DockerEngine
import Foundation
import ReconcileCore

/// The version a blue-green replaced, kept running out of the proxy's upstream for `keepPrevious` so that going back
/// to it (`reconcile rollback`, or the manifests changed back) is a switch of the upstream, with no container to start
/// or health check to wait for. It is `NAME-reconcile-previous` with the resource's labels; the state directory's
/// `rollouts/NAME.previous` records its ID and until when it is kept. Once that is past (or the manifests no longer
/// ask to keep one) the plan removes it.
enum KeptPrevious {
  static func name(_ base: String) -> String { "\(base)-reconcile-previous" }
  static func isName(_ name: String) -> Bool { name.hasSuffix("-reconcile-previous") }

  struct Record: Codable, Equatable {
    var id: String
    var until: Date
  }

  /// `2026-11-30T19:40:12Z`.
  static func text(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: date)
  }

  /// The kept previous container of `spec` when it is exactly the wanted version (config and image) and runs: the
  /// replacement switches to it instead of creating one.
  static func matching(_ spec: ContainerSpec, client: DockerEngineClient) async -> DockerContainerInspect? {
    guard spec.rollout?.keepPrevious != nil, let kept = try? await client.inspectContainerIfPresent(name(spec.dockerName)),
      kept.config.labels?[DockerLabel.resource] == spec.id.description, kept.config.labels?[DockerLabel.configHash] == spec.configHash,
      kept.state.running, let (image, _) = try? await DockerImageResolver(client: client).resolve(spec),
      let wanted = try? await client.inspectImageIfPresent(image), wanted.id == kept.image
    else { return nil }
    return kept
  }

  /// Removes the kept previous container of resource `id` (only one carrying its labels) and forgets it.
  static func remove(base: String, of id: ResourceID, client: DockerEngineClient, gate: RolloutGate) async throws {
    if let kept = try await client.inspectContainerIfPresent(name(base)), kept.config.labels?[DockerLabel.resource] == id.description {
      if kept.state.running || kept.state.restarting || kept.state.paused { try await client.stopContainer(kept.id, timeout: 10) }
      try await client.removeContainer(kept.id, force: true, anonymousVolumes: true)
    }
    gate.forgetPrevious(for: id)
  }
}
