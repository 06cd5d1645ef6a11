import DockerEngine
import Foundation
import ReconcileCore

/// Replaces a container without a gap: the new one starts under a temporary name and must become
/// healthy within the spec's deadline; then the old one is stopped and removed and the new one
/// takes its name. When it does not become healthy, the new one is removed, the old one keeps
/// running untouched, and the error carries the health log.
///
/// A container that managed nginx sites reach on its network (`ContainerRoute`) is switched: once the new one is
/// healthy, nginx's upstream moves to it, the old one finishes its requests (`drainTimeout`), then it goes.
///
/// Host ports cannot be published twice, so a container with `ports` is proven healthy without
/// them beside the old one; then the old one gives way and the new one is created with its ports
/// (a gap of one stop and start, but never a switch to a container that failed its check).
struct StartFirstReplacement: Sendable {
  let client: DockerEngineClient
  let retention: ImageRetention
  var rollouts: RolloutGate = .none

  static func temporaryName(_ name: String) -> String { "\(name)-reconcile-next" }
  static func isTemporaryName(_ name: String) -> Bool { name.hasSuffix("-reconcile-next") }

  /// An interrupted canary of this very version that can go on where it stopped: its position is recorded, its old
  /// container still holds the name and its new one (the temporary copy) runs with the desired config hash.
  func resumable(_ spec: ContainerSpec) async -> (position: RolloutGate.Position, old: DockerContainerInspect)? {
    guard let position = rollouts.position(for: spec.id), position.fits(spec),
      let old = try? await client.inspectContainerIfPresent(spec.dockerName), old.id == position.old, old.state.running,
      let new = try? await client.inspectContainerIfPresent(Self.temporaryName(spec.dockerName)), new.id == position.new, new.state.running,
      new.config.labels?[DockerLabel.configHash] == spec.configHash
    else { return nil }
    return (position, old)
  }

  /// Goes on with an interrupted canary from its recorded step, then retires the old container as a replacement does.
  func resume(_ spec: ContainerSpec, _ interrupted: (position: RolloutGate.Position, old: DockerContainerInspect)) async throws {
    guard let rollout = spec.rollout else { return }
    StepNotes.post(.resumed(strategy: rollout.strategy, percent: interrupted.position.share(in: rollout)), for: spec.id)
    do {
      try await RolloutRunner(client: client, spec: spec, rollout: rollout, gate: rollouts).run(
        old: interrupted.old, newID: interrupted.position.new, from: interrupted.position.step)
    } catch let stopped as RolloutRunner.Stopped {
      throw stopped.failure
    }
    try await retire(interrupted.old, spec)
    try await client.renameContainer(interrupted.position.new, to: spec.dockerName)
    if spec.state == .stopped { try await client.stopContainer(interrupted.position.new, timeout: spec.effectiveStopTimeout) }
    await retention.removeIfUnusedBuild(interrupted.old.image, client: client)
  }

  /// Replaces the container (replicas go through `RollingReplacement`).
  func replace(
    _ spec: ContainerSpec, step: Step, create: (ContainerSpec, String) async throws -> String
  ) async throws {
    let name = spec.dockerName
    let temporary = Self.temporaryName(name)
    // A leftover from an interrupted attempt is ours (label-checked) and is cleared first.
    if let leftover = try await client.inspectContainerIfPresent(temporary) {
      guard leftover.config.labels?[DockerLabel.resource] == spec.id.description else {
        throw OperationError("the temporary name '\(temporary)' is taken by container \(leftover.id.prefix(12)), which is not \(spec.id)'s; remove or rename it")
      }
      try await client.removeContainer(leftover.id, force: true)
    }
    var next = spec
    next.state = .running
    next.ports = []
    let newID: String
    if let previous = await KeptPrevious.matching(spec, client: client) {
      // The version a blue-green kept running is the wanted one: it takes the traffic back, nothing starts.
      try await client.renameContainer(previous.id, to: temporary)
      rollouts.forgetPrevious(for: spec.id)
      StepNotes.post(.switchedBack(name: KeptPrevious.name(name)), for: spec.id)
      newID = previous.id
    } else {
      do {
        newID = try await create(next, temporary)
      } catch {
        try? await client.removeContainer(temporary, force: true)
        throw error
      }
    }
    do {
      try await StartGate(client: client).waitUntilServing(newID, spec: spec)
    } catch let failure as OperationError {
      try? await client.removeContainer(newID, force: true, anonymousVolumes: true)
      throw OperationError(
        doing: "replace \(spec.id) (start-first)", "\(failure.description); the new container was removed and the old one keeps running",
        retryable: false)
    }
    let old = try await client.inspectContainerIfPresent(name)
    if spec.ports.isEmpty {
      if !spec.routes.isEmpty {
        // nginx moves to the new container (at once, or in a canary's steps while the old one is there to go back
        // to); its old workers finish the requests they have with the old one first.
        do {
          if let rollout = spec.rollout, let old, old.state.running {
            try await RolloutRunner(client: client, spec: spec, rollout: rollout, gate: rollouts).run(old: old, newID: newID)
          } else {
            // The other replicas keep their places; this one's moves to the new container.
            let current = try await RouteSwitcher.replicaAddresses(of: spec, client: client)
            var servers = current.filter { $0.name != name }.map(\.address)
            servers.append(try await RouteSwitcher.address(of: newID, client: client))
            try RouteSwitcher.point(spec.routes, servers: servers.map { ($0, 1) }, for: spec.id)
            await RouteSwitcher.drain(spec.routes, leaving: current.filter { $0.name == name }.map(\.address), timeout: spec.drainTimeout)
          }
        } catch let stopped as RolloutRunner.Stopped {
          // Stopping: both containers stay, split as they are, for the next run to go on with.
          throw stopped.failure
        } catch {
          try? await client.removeContainer(newID, force: true, anonymousVolumes: true)
          throw error
        }
      }
      // The version replaced stays running out of the upstream (`keepPrevious`), its image with it; or it goes.
      let kept = spec.rollout?.keepPrevious.flatMap { keep in old.flatMap { $0.state.running && spec.state == .running ? ($0, keep) : nil } }
      if let (previous, keep) = kept {
        try await keepRunning(previous, for: keep, spec)
      } else {
        try await retire(old, spec)
      }
      try await client.renameContainer(newID, to: name)
      if spec.state == .stopped { try await client.stopContainer(newID, timeout: spec.effectiveStopTimeout) }
      if kept != nil { return }
    } else {
      try await client.removeContainer(newID, force: true, anonymousVolumes: true)
      try await retire(old, spec)
      let finalID = try await create(spec, spec.dockerName)
      if spec.state == .running {
        do {
          try await StartGate(client: client).waitUntilServing(finalID, spec: spec)
        } catch let failure as OperationError {
          throw OperationError(doing: "replace \(spec.id) (start-first)", "it was healthy without its host ports, but after taking them over \(failure.description)")
        }
      }
    }
    if let oldImage = old?.image { await retention.removeIfUnusedBuild(oldImage, client: client) }
  }

  /// Keeps the replaced container running out of the upstream as `NAME-reconcile-previous` for `keep` seconds, in
  /// place of the one kept before (`KeptPrevious`).
  func keepRunning(_ old: DockerContainerInspect, for keep: Double, _ spec: ContainerSpec) async throws {
    try await KeptPrevious.remove(base: spec.dockerName, of: spec.id, client: client, gate: rollouts)
    try await client.renameContainer(old.id, to: KeptPrevious.name(spec.dockerName))
    rollouts.keepPrevious(KeptPrevious.Record(id: old.id, until: Date().addingTimeInterval(keep)), for: spec.id)
    StepNotes.post(.keptPrevious(name: KeptPrevious.name(spec.dockerName), until: KeptPrevious.text(Date().addingTimeInterval(keep))), for: spec.id)
  }

  /// Stops (with the container's timeout) and removes the container being replaced.
  func retire(_ old: DockerContainerInspect?, _ spec: ContainerSpec) async throws {
    guard let old else { return }
    if old.state.running || old.state.restarting { try await client.stopContainer(old.id, timeout: spec.effectiveStopTimeout) }
    try await client.removeContainer(old.id, force: true, anonymousVolumes: true)
  }
}
