import DockerEngine
import Foundation
import ReconcileCore

/// Performs planned network and volume steps.
struct NetworkVolumeStepPerformer: Sendable {
  let client: DockerEngineClient
  let extraLabels: [String: String]

  func labels(_ id: ResourceID, hash: String) -> [String: String] {
    DockerLabel.object(id, hash: hash, extra: extraLabels)
  }

  func perform(_ step: Step) async throws {
    let verb = step.action.rawValue
    let name = step.prior?.locator["name"] ?? step.desired?.locator["name"] ?? step.id.name
    do {
      switch (step.id.kind, step.action) {
      case ("network", .destroy):
        try await client.removeNetwork(name)
      case ("network", .replace):
        try await replaceNetwork(name, spec: try spec(step))
      case ("network", _):
        try await createNetwork(try spec(step))
      case ("volume", .destroy):
        try await client.removeVolume(name)
      case ("volume", .replace):
        try await client.removeVolume(name)
        try await createVolume(try spec(step))
      default:
        try await createVolume(try spec(step))
      }
    } catch let error as DockerEngineError {
      throw error.operationError(doing: verb, of: step.id)
    }
  }

  func spec<T: ResourceSpec>(_ step: Step) throws -> T {
    guard let spec = step.desired as? T else { throw OperationError(doing: step.action.rawValue, of: step.id, cause: .failed("the step carries no \(T.self)")) }
    return spec
  }

  func createNetwork(_ spec: NetworkSpec) async throws {
    _ = try await client.createNetwork(
      DockerNetworkCreate(
        name: spec.dockerName, driver: spec.driver ?? "bridge", internal: spec.internal ?? false,
        labels: labels(spec.id, hash: spec.configHash)))
  }

  func createVolume(_ spec: VolumeSpec) async throws {
    try await client.createVolume(
      DockerVolumeCreate(
        name: spec.dockerName, driver: spec.driver ?? "local", labels: labels(spec.id, hash: spec.configHash)))
  }

  /// Recreates a network: its containers are disconnected, then reconnected with their aliases.
  func replaceNetwork(_ name: String, spec: NetworkSpec) async throws {
    let old = try await client.inspectNetwork(name)
    var members: [(String, [String])] = []
    for containerID in (old.containers ?? [:]).keys.sorted() {
      let inspected = try await client.inspectContainer(containerID)
      let aliases = (inspected.networkSettings.networks?[name]?.aliases ?? []).filter { !containerID.hasPrefix($0) }
      members.append((containerID, aliases))
      try await client.disconnectNetwork(old.id, container: containerID, force: true)
    }
    try await client.removeNetwork(old.id)
    try await createNetwork(spec)
    for (containerID, aliases) in members {
      try await client.connectNetwork(spec.dockerName, container: containerID, aliases: aliases)
    }
  }
}
