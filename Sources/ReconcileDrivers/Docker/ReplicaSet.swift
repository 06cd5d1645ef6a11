import DockerEngine
import Foundation
import ReconcileCore

/// The replicas of a container beyond the first (`NAME-2` … `NAME-N`): brought to the wanted number, each running as
/// the manifests say, and removed with the container. A replica past the wanted number leaves nginx's upstream before
/// it stops, so no request is sent to it as it goes.
struct ReplicaSet: Sendable {
  let client: DockerEngineClient
  let spec: ContainerSpec

  /// The replicas beyond the first that exist now, by number (the name may be a previous Docker name's: `base`).
  func extras(base: String? = nil) async throws -> [(index: Int, row: DockerContainerSummary)] {
    let base = base ?? spec.dockerName
    return try await client.listContainers(labels: DockerLabel.ownedFilter(spec.id))
      .compactMap { row in ContainerSpec.replicaIndex(of: row.name, base: base).map { (index: $0, row: row) } }
      .sorted { $0.index < $1.index }
  }

  /// Creates the missing replicas (`create` gates each like the first), starts or stops the others as the manifests
  /// say, and removes those past the wanted number.
  func scale(create: (String) async throws -> Void) async throws {
    let existing = try await extras()
    let surplus = existing.filter { $0.index > spec.replicas }
    if !surplus.isEmpty {
      if !spec.routes.isEmpty, spec.state == .running {
        let leaving = Set(surplus.map(\.row.name))
        let current = try await RouteSwitcher.replicaAddresses(of: spec, client: client)
        let staying = current.filter { !leaving.contains($0.name) }
        if !staying.isEmpty {
          try RouteSwitcher.point(spec.routes, servers: staying.map { ($0.address, 1) }, for: spec.id)
          await RouteSwitcher.drain(spec.routes, leaving: current.filter { leaving.contains($0.name) }.map(\.address), timeout: spec.drainTimeout)
        }
      }
      for s in surplus { try await remove(s.row) }
    }
    guard spec.replicas > 1 else { return }
    for i in 2...spec.replicas {
      guard let row = existing.first(where: { $0.index == i })?.row else {
        try await create(spec.replicaName(i))
        continue
      }
      switch (spec.state, row.state) {
      case (.running, "paused"): try await client.unpauseContainer(row.id)
      case (.running, "running"), (.stopped, "exited"), (.stopped, "created"): break
      case (.running, _): try await client.startContainer(row.id)
      case (.stopped, _): try await client.stopContainer(row.id, timeout: spec.effectiveStopTimeout)
      }
    }
  }

  /// Stops (with the container's timeout) and removes every replica beyond the first.
  func removeAll(base: String, stopTimeout: Int) async throws {
    for e in try await extras(base: base) { try await remove(e.row, stopTimeout: stopTimeout) }
  }

  func remove(_ row: DockerContainerSummary, stopTimeout: Int? = nil) async throws {
    if row.state == "running" || row.state == "restarting" || row.state == "paused" {
      try await client.stopContainer(row.id, timeout: stopTimeout ?? spec.effectiveStopTimeout)
    }
    try await client.removeContainer(row.id, force: true, anonymousVolumes: true)
  }
}
