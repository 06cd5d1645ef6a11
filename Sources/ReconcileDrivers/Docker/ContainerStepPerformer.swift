import DockerEngine
import Foundation
import ReconcileCore

/// Performs planned container steps: create, update in place, replace (stop-first or
/// start-first) and destroy. Every decision was made by the planner; this only carries it out.
struct ContainerStepPerformer: Sendable {
  let client: DockerEngineClient
  let extraLabels: [String: String]
  let retention: ImageRetention
  var rollouts: RolloutGate = .none

  func perform(_ step: Step) async throws {
    let verb = step.action == .destroy ? "destroy" : step.action.rawValue
    do {
      try await StartGate(client: client).waitForGates(of: step)
      if step.action == .replace || step.action == .destroy, let spec = step.desired as? ContainerSpec {
        try await backUp(spec.backupsBefore, before: "\(verb == "destroy" ? "removing" : "replacing") \(step.id)")
      }
      switch step.action {
      case .create:
        try await removeLeftovers(of: step.id)
        let spec = try spec(step)
        try await create(spec, step: step)
        if spec.replicas > 1 { try await ReplicaSet(client: client, spec: spec).scale(create: { try await create(spec, step: step, name: $0) }) }
      case .update:
        try await update(try spec(step), step: step)
      case .replace:
        let spec = try spec(step)
        let replacement = StartFirstReplacement(client: client, retention: retention, rollouts: rollouts)
        // An apply killed halfway through a canary of this version left it split: it goes on from there.
        if let interrupted = await replacement.resumable(spec) {
          try await replacement.resume(spec, interrupted)
          break
        }
        try await removeLeftovers(of: step.id, routed: spec)
        let oldName = step.prior?.locator["name"] ?? spec.dockerName
        if spec.replicas > 1, oldName == spec.dockerName {
          try await rolling(spec, step: step)
        } else if spec.strategy != .stopFirst || spec.switchesTraffic, oldName == spec.dockerName {
          try await replacement.replace(spec, step: step, create: { try await create($0, step: step, name: $1, gated: false) })
        } else {
          let oldImage = try await remove(
            name: oldName, stopTimeout: step.prior.flatMap(stopTimeout) ?? spec.effectiveStopTimeout, adopted: step.prior?.adopted)
          try await create(spec, step: step)
          if let oldImage { await retention.removeIfUnusedBuild(oldImage, client: client) }
        }
      case .destroy:
        let name = step.prior?.locator["name"] ?? (step.desired as? ContainerSpec)?.dockerName ?? step.id.name
        let timeout = step.prior.flatMap(stopTimeout) ?? 10
        try await remove(name: name, stopTimeout: timeout, adopted: step.prior?.adopted)
        try await removeLeftovers(of: step.id)
        // The replicas go too (a recorded container no longer declared has no spec: only its identity counts).
        let owner = (step.desired as? ContainerSpec) ?? ContainerSpec(id: step.id, image: .reference(""))
        try await ReplicaSet(client: client, spec: owner).removeAll(base: name, stopTimeout: timeout)
        try await KeptPrevious.remove(base: name, of: step.id, client: client, gate: rollouts)
      }
      // nginx reaches a routed container (each replica) at its address, which a new container (or a restart) may
      // have changed.
      if step.action != .destroy, let spec = step.desired as? ContainerSpec, !spec.routes.isEmpty, spec.state == .running {
        let servers = try await RouteSwitcher.replicaAddresses(of: spec, client: client)
        if !servers.isEmpty { try RouteSwitcher.point(spec.routes, servers: servers.map { ($0.address, 1) }, for: spec.id) }
      }
    } catch let error as DockerEngineError {
      throw error.operationError(doing: verb, of: step.id)
    } catch let error as OperationError {
      throw error.within(verb, of: step.id)
    }
  }

  func spec(_ step: Step) throws -> ContainerSpec {
    guard let spec = step.desired as? ContainerSpec else {
      throw OperationError("the step carries no container spec")
    }
    return spec
  }

  /// Creates the container (under `name`, default its Docker name), connects its other networks, and starts it when
  /// the manifest wants it running; with `gated`, the step is done only once the start holds (`StartGate`), and a
  /// container whose start does not hold is removed again (its exit code and log are in the error). Returns its ID.
  @discardableResult
  func create(_ spec: ContainerSpec, step: Step, name: String? = nil, gated: Bool = true) async throws -> String {
    let name = name ?? spec.dockerName
    let (image, imageRef) = try await DockerImageResolver(client: client).resolve(spec)
    let body = ContainerCreateRequest.body(spec, image: image, imageRef: imageRef, extraLabels: extraLabels)
    let id: String
    do {
      id = try await client.createContainer(name: name, body)
    } catch let error as DockerEngineError where error.isConflict {
      throw try await nameConflict(name, spec: spec, error: error)
    }
    for network in spec.networks.dropFirst() {
      try await client.connectNetwork(network.network, container: id, aliases: network.aliases)
    }
    guard spec.state == .running else { return id }
    do {
      try await client.startContainer(id)
      if gated {
        let gate = StartGate(client: client)
        if step.action == .create {
          // A new container's start holding is only a wait: its place goes to the next step meanwhile. A replacement
          // keeps its place: an update goes at the pace `parallelism` sets.
          try await StepSlots.waiting { try await gate.waitUntilStarted(id, spec: spec) }
        } else {
          try await gate.waitUntilStarted(id, spec: spec)
        }
      }
    } catch {
      try? await client.removeContainer(id, force: true, anonymousVolumes: true)
      throw error
    }
    return id
  }

  /// Explains who holds the name: an unmanaged container is never touched.
  func nameConflict(_ name: String, spec: ContainerSpec, error: DockerEngineError) async throws -> Error {
    guard let holder = try await client.inspectContainerIfPresent(name) else { return error }
    let owner = holder.config.labels?[DockerLabel.resource]
    if DockerLabel.isManaged(holder.config.labels), let owner {
      return OperationError("the name '\(name)' is used by container \(holder.id.prefix(12)), which belongs to \(owner); give one of them another \"dockerName\"")
    }
    return OperationError(
      "the name '\(name)' is already used by container \(holder.id.prefix(12)) (image '\(holder.config.image)'), which reconcile does not manage and will not touch; remove or rename it ('docker rm -f \(name)' or 'docker rename \(name) \(name)-old'), or set \"dockerName\" on \(spec.id) to another name"
    )
  }

  /// In-place changes: the Engine's update for restart policy and limits, then the remedies the plan decided on.
  func update(_ spec: ContainerSpec, step: Step) async throws {
    let name = spec.dockerName
    let replicas = ReplicaSet(client: client, spec: spec)
    if !step.changedAttributes.isDisjoint(with: ContainerSpec.updatableAttributes) {
      try await client.updateContainer(name, ContainerCreateRequest.update(spec))
      for e in try await replicas.extras() where e.index <= spec.replicas {
        try await client.updateContainer(e.row.id, ContainerCreateRequest.update(spec))
      }
    }
    if step.changedAttributes.contains("replicas") || step.signals.contains(where: { if case .container(let s) = $0 { s.remedy == .scale } else { false } }) {
      try await replicas.scale(create: { try await create(spec, step: step, name: $0) })
    }
    for case .container(let signal) in step.signals {
      switch signal.remedy {
      case .start: try await client.startContainer(name)
      case .unpause: try await client.unpauseContainer(name)
      case .restart: try await client.restartContainer(name, timeout: spec.effectiveStopTimeout)
      case .stop: try await client.stopContainer(name, timeout: spec.effectiveStopTimeout)
      case .removeLeftovers: try await removeLeftovers(of: spec.id, routed: spec)
      case .removePrevious: try await KeptPrevious.remove(base: spec.dockerName, of: spec.id, client: client, gate: rollouts)
      case .replace, .scale: continue
      }
    }
  }

  /// Replaces the replicas one at a time, each start-first (and switched in nginx when routed), then brings their
  /// number to the wanted one.
  func rolling(_ spec: ContainerSpec, step: Step) async throws {
    try await RollingReplacement(client: client, retention: retention).replace(
      spec, batch: spec.batch, create: { try await create($0, step: step, name: $1, gated: false) })
    try await ReplicaSet(client: client, spec: spec).scale(create: { try await create(spec, step: step, name: $0) })
  }

  /// Takes each backup (verified) and pins it with the reason; the first failure stops the step before it changes
  /// anything.
  func backUp(_ backups: [BackupSpec], before reason: String) async throws {
    for backup in backups {
      do {
        _ = try await Task.detached { try BackupRunner(spec: backup).run(pin: "before \(reason)") }.value
      } catch let error as OperationError {
        throw OperationError(doing: "take \(backup.id) before \(reason)", cause: .because(error))
      }
    }
  }

  /// Removes the temporary copies of `id` that an interrupted start-first replacement left: containers carrying
  /// its resource label under a temporary name (a label cannot mark them: the copy keeps its labels when it takes
  /// the container's name).
  func removeLeftovers(of id: ResourceID, routed spec: ContainerSpec? = nil) async throws {
    let project = extraLabels[DockerLabel.project]
    let leftovers = try await client.listContainers(labels: DockerLabel.ownedFilter(id)).filter {
      StartFirstReplacement.isTemporaryName($0.name) && DockerLabel.belongs($0.labels, to: project)
    }
    guard !leftovers.isEmpty else { return }
    // A replacement cut short (a canary's split) may have left nginx sending requests to the leftover: they go back
    // to the container that holds the name first, and the leftover finishes the requests it has.
    if let spec, !spec.routes.isEmpty, let current = try await client.inspectContainerIfPresent(spec.dockerName), current.state.running {
      try RouteSwitcher.point(spec.routes, at: try await RouteSwitcher.address(of: current.id, client: client), for: spec.id)
      var leaving: [String] = []
      for row in leftovers { if let a = try? await RouteSwitcher.address(of: row.id, client: client) { leaving.append(a) } }
      await RouteSwitcher.drain(spec.routes, leaving: leaving, timeout: spec.drainTimeout)
    }
    for row in leftovers { try await client.removeContainer(row.id, force: true, anonymousVolumes: true) }
  }

  /// Stops with the container's own timeout, then removes it (anonymous volumes too; named ones stay). A container
  /// without reconcile's labels is removed only when it is the one `adopted` took over.
  @discardableResult
  func remove(name: String, stopTimeout: Int, adopted: Adoption? = nil) async throws -> String? {
    guard let existing = try await client.inspectContainerIfPresent(name) else { return nil }
    guard DockerLabel.isManaged(existing.config.labels) || existing.id == adopted?.objectID else {
      throw OperationError("container '\(name)' (\(existing.id.prefix(12))) is not managed by reconcile; it was left untouched")
    }
    if existing.state.running || existing.state.restarting || existing.state.paused {
      try await client.stopContainer(existing.id, timeout: stopTimeout)
    }
    try await client.removeContainer(existing.id, force: true, anonymousVolumes: true)
    return existing.image
  }

  /// `30s` in a state record -> 30.
  func stopTimeout(_ record: ResourceRecord) -> Int? {
    record.attributes["stopTimeout"].flatMap { Int($0.replacingOccurrences(of: "s", with: "")) }
  }
}
