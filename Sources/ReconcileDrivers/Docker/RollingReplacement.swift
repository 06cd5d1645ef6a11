import DockerEngine
import Foundation
import ReconcileCore

/// Replaces the replicas of a container `batch` at a time (`update.batch`): each batch's new containers start beside
/// the old ones under temporary names and must all become healthy; then one proxy switch moves their share of the
/// upstream to them, the old ones drain and go, and the new ones take their names. A batch whose new containers do
/// not all become healthy is removed and the old ones keep serving: the step fails before anything was switched.
struct RollingReplacement: Sendable {
  let client: DockerEngineClient
  let retention: ImageRetention

  func replace(_ spec: ContainerSpec, batch: Int, create: (ContainerSpec, String) async throws -> String) async throws {
    var present: [String] = []
    for i in 1...spec.replicas where try await client.inspectContainerIfPresent(spec.replicaName(i)) != nil { present.append(spec.replicaName(i)) }
    var start = 0
    while start < present.count {
      try await replace(spec, Array(present[start..<min(start + max(batch, 1), present.count)]), create: create)
      start += max(batch, 1)
    }
  }

  /// One batch: every new one healthy, one switch, the old ones drained and retired.
  func replace(_ spec: ContainerSpec, _ names: [String], create: (ContainerSpec, String) async throws -> String) async throws {
    var next = spec
    next.state = .running
    var started: [(name: String, id: String)] = []
    do {
      for name in names {
        let temporary = StartFirstReplacement.temporaryName(name)
        if let leftover = try await client.inspectContainerIfPresent(temporary), leftover.config.labels?[DockerLabel.resource] == spec.id.description {
          try await client.removeContainer(leftover.id, force: true)
        }
        started.append((name, try await create(next, temporary)))
      }
      for s in started { try await StartGate(client: client).waitUntilServing(s.id, spec: spec) }
    } catch {
      for s in started { try? await client.removeContainer(s.id, force: true, anonymousVolumes: true) }
      for name in names { try? await client.removeContainer(StartFirstReplacement.temporaryName(name), force: true) }
      throw error
    }
    var olds: [DockerContainerInspect] = []
    for name in names { if let old = try await client.inspectContainerIfPresent(name) { olds.append(old) } }
    if !spec.routes.isEmpty {
      let current = try await RouteSwitcher.replicaAddresses(of: spec, client: client)
      let leaving = Set(names)
      var servers = current.filter { !leaving.contains($0.name) }.map(\.address)
      for s in started { servers.append(try await RouteSwitcher.address(of: s.id, client: client)) }
      try RouteSwitcher.point(spec.routes, servers: servers.map { ($0, 1) }, for: spec.id)
      await RouteSwitcher.drain(spec.routes, leaving: current.filter { leaving.contains($0.name) }.map(\.address), timeout: spec.drainTimeout)
    }
    for old in olds { try await StartFirstReplacement(client: client, retention: retention).retire(old, spec) }
    for s in started {
      try await client.renameContainer(s.id, to: s.name)
      if spec.state == .stopped { try await client.stopContainer(s.id, timeout: spec.effectiveStopTimeout) }
    }
    for image in Set(olds.map(\.image)) { await retention.removeIfUnusedBuild(image, client: client) }
  }
}
