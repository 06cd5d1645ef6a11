import DockerEngine
import Essentials
import Foundation
import ReconcileCore

/// The `service` kind through the Engine's Swarm API (the manager's socket): observed from `GET /services` and the
/// tasks, created, updated in place with the version Swarm gave (Swarm rolls the change out by its `update`
/// settings), removed. A step is done once Swarm runs the wanted tasks and its rollout ended.
struct ServiceStepPerformer: Sendable {
  let client: DockerEngineClient
  let extraLabels: [String: String]
  /// The state's key for the digest in a secret's name (nil: a plain SHA-256).
  var secretKey: [UInt8]? = nil
  /// How long Swarm may take to run the wanted tasks after a change.
  var within: Double = 120

  func perform(_ step: Step) async throws {
    let name = step.prior?.locator["name"] ?? step.desired?.locator["name"] ?? step.id.name
    do {
      if step.action == .destroy {
        // Only a service that carries this resource's labels is removed; a same-named one of anybody else stays.
        for service in try await client.listServices(labels: DockerLabel.ownedFilter(step.id)) where service.spec.name == name {
          try await client.removeService(service.id)
        }
        try await removeSecrets(of: step.id, keeping: [])
        return
      }
      guard let spec = step.desired as? ServiceSpec else { throw OperationError(doing: step.action.rawValue, of: step.id, cause: .failed("the step carries no service")) }
      var body = Self.body(spec, extraLabels: extraLabels)
      body.taskTemplate.containerSpec.secrets = try await ensureSecrets(spec)
      if let existing = try await client.listServices(labels: DockerLabel.ownedFilter(spec.id)).first(where: { $0.spec.name == spec.dockerName }) {
        try await client.updateService(existing.id, version: existing.version.index, body)
      } else {
        _ = try await client.createService(body)
      }
      try await converge(spec, body.taskTemplate.containerSpec)
      // The service runs from its current secrets: the ones it used before go.
      try await removeSecrets(of: spec.id, keeping: Set((body.taskTemplate.containerSpec.secrets ?? []).map(\.secretName)))
    } catch let error as DockerEngineError {
      throw error.operationError(doing: step.action == .destroy ? "destroy" : step.action.rawValue, of: step.id)
    }
  }

  /// `web-db_password-3f2a9c1b7e4d`: the service, the file, and 12 hex digits of the value's digest, keyed with the
  /// state's secret key (HMAC-SHA-256) so that the name tells nothing about a weak value.
  func secretName(_ spec: ServiceSpec, _ key: String) -> String {
    let value = Array(spec.secrets[key]!.value.utf8)
    let digest = secretKey.map { HMACSHA256(key: $0).mac(bytes: value) } ?? SHA256.hash(bytes: value).hex
    return "\(spec.dockerName)-\(key)-\(digest.prefix(12))"
  }

  /// The Swarm secrets of the spec, made when missing (labelled as the service's), as the tasks reference them.
  func ensureSecrets(_ spec: ServiceSpec) async throws -> [DockerServiceSpec.SecretReference]? {
    guard !spec.secrets.isEmpty else { return nil }
    let existing = try await client.listSecrets(labels: DockerLabel.ownedFilter(spec.id))
    var refs: [DockerServiceSpec.SecretReference] = []
    for key in spec.secrets.keys.sorted() {
      let name = secretName(spec, key)
      let id: String
      if let found = existing.first(where: { $0.spec.name == name }) {
        id = found.id
      } else {
        id = try await client.createSecret(
          name: name, data: Array(spec.secrets[key]!.value.utf8), labels: DockerLabel.object(spec.id, hash: "", extra: extraLabels))
      }
      refs.append(.init(secretID: id, secretName: name, file: .init(name: key)))
    }
    return refs
  }

  /// Removes the Swarm secrets labelled as this service's that it no longer uses.
  func removeSecrets(of id: ResourceID, keeping: Set<String>) async throws {
    for secret in try await client.listSecrets(labels: DockerLabel.ownedFilter(id)) where !keeping.contains(secret.spec.name) {
      try await client.removeSecret(secret.id)
    }
  }

  static func body(_ spec: ServiceSpec, extraLabels: [String: String]) -> DockerServiceSpec {
    let mode: DockerServiceSpec.Mode =
      switch spec.mode {
      case .replicated(let n): .init(replicated: .init(replicas: n))
      case .global: .init(global: .init())
      }
    func config(_ u: ServiceSpec.Update?) -> DockerServiceSpec.UpdateConfig? {
      u.map {
        .init(
          parallelism: $0.parallelism, delay: Int($0.delay * 1e9), failureAction: $0.failureAction, monitor: Int($0.monitor * 1e9), order: $0.order,
          maxFailureRatio: $0.maxFailureRatio > 0 ? $0.maxFailureRatio : nil)
      }
    }
    func limit(_ memory: Int?, _ cpus: Int?) -> DockerServiceSpec.Resources.Limit? {
      memory == nil && cpus == nil ? nil : .init(nanoCPUs: cpus, memoryBytes: memory)
    }
    let limits = limit(spec.memoryBytes, spec.nanoCPUs)
    let reservations = limit(spec.reservedMemoryBytes, spec.reservedNanoCPUs)
    let healthcheck = spec.healthcheck.map { h -> DockerHealthcheck in
      var check = DockerHealthcheck(test: h.test)
      check.interval = h.interval.map { Int($0 * 1e9) }
      check.timeout = h.timeout.map { Int($0 * 1e9) }
      check.retries = h.retries
      check.startPeriod = h.startPeriod.map { Int($0 * 1e9) }
      return check
    }
    let mounts = spec.mounts.map { m -> DockerHostConfig.Mount in
      switch m.source {
      case .volume(let name): .volume(name, at: m.target, readOnly: m.readOnly)
      case .bind(let path): .bind(path, at: m.target, readOnly: m.readOnly)
      }
    }
    let placement =
      spec.constraints.isEmpty && spec.preferences.isEmpty
      ? nil
      : DockerServiceSpec.Placement(
        constraints: spec.constraints.isEmpty ? nil : spec.constraints, preferences: spec.preferences.isEmpty ? nil : spec.preferences.map { .init(spread: $0) })
    let ports = spec.ports.map { DockerServiceSpec.EndpointSpec.Port(proto: $0.proto, targetPort: $0.containerPort, publishedPort: $0.hostPort, publishMode: "host") }
    return DockerServiceSpec(
      name: spec.dockerName, labels: DockerLabel.service(spec, extra: extraLabels),
      taskTemplate: .init(
        containerSpec: .init(
          image: spec.image, command: spec.command?.map(\.value), env: spec.env.isEmpty ? nil : spec.env.keys.sorted().map { "\($0)=\(spec.env[$0]!.value)" },
          // The task's config hash tells, after Swarm rolled an update back, which version failed.
          labels: [DockerLabel.managed: "true", DockerLabel.resource: spec.id.description, DockerLabel.configHash: spec.configHash],
          healthcheck: healthcheck, mounts: mounts.isEmpty ? nil : mounts,
          stopGracePeriod: spec.stopTimeout.map { $0 * 1_000_000_000 }),
        placement: placement,
        resources: limits == nil && reservations == nil ? nil : .init(limits: limits, reservations: reservations),
        networks: spec.networks.isEmpty ? nil : spec.networks.map { .init(target: $0.network, aliases: $0.aliases.isEmpty ? nil : $0.aliases) }),
      mode: mode, updateConfig: config(spec.update), rollbackConfig: config(spec.rollback),
      endpointSpec: spec.endpointMode == nil && ports.isEmpty ? nil : .init(mode: spec.endpointMode, ports: ports.isEmpty ? nil : ports))
  }

  /// Waits until Swarm runs the wanted tasks with no rollout under way; a rollout Swarm paused or rolled back fails
  /// the step with Swarm's own message.
  func converge(_ spec: ServiceSpec, _ wantedSpec: DockerServiceSpec.ContainerSpec) async throws {
    let deadline = Date().addingTimeInterval(within)
    while true {
      guard let service = try await client.listServices(labels: DockerLabel.ownedFilter(spec.id)).first(where: { $0.spec.name == spec.dockerName }) else {
        throw OperationError(doing: "create", of: spec.id, cause: .failed("Swarm does not list the service it accepted"))
      }
      let state = service.updateStatus?.state ?? "completed"
      let tasks = try await client.listTasks(service: service.id)
      if ["paused", "rollback_completed", "rollback_paused"].contains(state) {
        // Swarm's message says what it did ("rollback completed"); the failed tasks of this version say why.
        let failed = Self.errors(of: tasks.filter { $0.spec?.containerSpec == wantedSpec && $0.status.err != nil })
        let message = [service.updateStatus?.message ?? "", failed].filter { !$0.isEmpty }.joined(separator: "; its tasks failed: ")
        throw OperationError(
          doing: "update", of: spec.id, cause: .failed("Swarm \(state.hasPrefix("rollback") ? "rolled the update back" : "paused the update"): \(message)")
        ).asVerdict()
      }
      let (running, wanted) = Self.counts(tasks, service)
      try await followTasks(spec, tasks)
      // Done when the wanted number runs, all of them from this spec (Swarm may not have started the rollout yet
      // right after the update call), and no rollout is under way.
      let current = tasks.filter { $0.desiredState == "running" }.allSatisfy { $0.spec?.containerSpec == wantedSpec }
      if running == wanted, current, !["updating", "rollback_started"].contains(state) { return }
      // Tasks of this spec that keep failing (Swarm starts them again forever): the step fails with their errors
      // instead of waiting out its time.
      let failed = tasks.filter { ["failed", "rejected"].contains($0.status.state) && $0.spec?.containerSpec == wantedSpec }
      if running < wanted, failed.count >= wanted + 3, !["updating", "rollback_started"].contains(state) {
        throw OperationError(
          doing: "converge", of: spec.id,
          cause: .failed("its tasks keep failing (\(failed.count) failed, \(running) of \(wanted) running): \(Self.errors(of: failed))")
        ).asVerdict()
      }
      if Date() > deadline {
        let errors = Set(tasks.compactMap { $0.status.err }).sorted().joined(separator: "; ")
        throw OperationError(
          doing: "converge", of: spec.id,
          cause: .timeout(what: "Swarm to run \(wanted) task\(wanted == 1 ? "" : "s") of \(spec.id) (\(running) running\(errors.isEmpty ? "" : ": \(errors)"))", seconds: within))
      }
      try await Task.sleep(nanoseconds: 250_000_000)
    }
  }

  /// Points the managed sites that route to the service at the nodes that run its tasks now (while a rollout moves
  /// them, and once it is over); nothing when no task runs, so a proxy keeps trying the last ones it had.
  func followTasks(_ spec: ServiceSpec, _ tasks: [DockerTask]) async throws {
    guard !spec.routes.isEmpty else { return }
    let now = try await RouteSwitcher.nodeAddresses(running: tasks, client: client)
    guard !now.isEmpty else { return }
    try RouteSwitcher.point(spec.routes, servers: now.map { ($0, 1) }, for: spec.id)
  }

  /// The distinct errors of tasks, newest first (`task: non-zero exit (1)`).
  static func errors(of tasks: [DockerTask]) -> String {
    var seen = Set<String>()
    return tasks.reversed().compactMap { $0.status.err }.filter { seen.insert($0).inserted }.prefix(3).joined(separator: "; ")
  }

  /// Tasks running, and tasks wanted (the replicas, or for a global service every task Swarm wants running).
  static func counts(_ tasks: [DockerTask], _ service: DockerService) -> (running: Int, wanted: Int) {
    let live = tasks.filter { $0.desiredState == "running" }
    let running = live.filter(\.isRunning).count
    return (running, service.spec.mode?.replicated?.replicas ?? live.count)
  }
}

extension DockerObserver {
  /// One `GET /services`, one `GET /nodes` and one `GET /tasks` for all targets.
  func observeServices(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    guard !targets.isEmpty else { return [:] }
    let listed = try await client.listServices(labels: DockerLabel.managedFilter)
    var out = Self.match(targets, in: listed, name: \.spec.name, labels: \.spec.labels, kind: "service") { service in
      Observation(exists: true, facts: [.id: service.id])
    }
    let nodes = out.values.contains(where: \.exists) ? (try? await client.listNodes()) ?? [] : []
    // One `GET /tasks` for every service found.
    let allTasks = Dictionary(grouping: try await client.listTasks(services: out.values.compactMap { $0.facts[.id] }), by: { $0.serviceID ?? "" })
    for t in targets {
      guard let id = out[t.id]?.facts[.id], let service = listed.first(where: { $0.id == id }) else { continue }
      var observed = out[t.id]!
      if let spec = t.spec as? ServiceSpec {
        observed.attributes = DockerLabel.observedAttributes(
          spec.attributes.filter { $0.name != "mode" }, of: t.id, labels: service.spec.labels ?? [:], desiredHash: spec.configHash)
      }
      // The mode is read as Swarm has it: `docker service scale` by hand is drift.
      observed.attributes["mode"] = service.spec.mode?.replicated?.replicas.map { ServiceSpec.Mode.replicated($0).text } ?? ServiceSpec.Mode.global.text
      let tasks = allTasks[service.id] ?? []
      let (running, wanted) = ServiceStepPerformer.counts(tasks, service)
      observed.facts[.tasks] = "\(running) \(wanted)"
      if running < wanted {
        let failed = tasks.filter { ["failed", "rejected"].contains($0.status.state) }
        if !failed.isEmpty { observed.facts[.taskError] = ServiceStepPerformer.errors(of: failed) }
        let had = Set(tasks.compactMap(\.nodeID))
        let down = nodes.filter { had.contains($0.id) && $0.status.state != "ready" }.map(\.name).sorted()
        if !down.isEmpty { observed.facts[.downNodes] = down.joined(separator: ",") }
      }
      if let update = service.updateStatus {
        observed.facts[.updateState] = update.state
        observed.facts[.updateMessage] = update.message
        // The version Swarm rolled back: the newest task of another config than the service's now (Swarm keeps no
        // previous spec after a rollback), and what its tasks said.
        let current = service.spec.labels?[DockerLabel.configHash]
        if update.state == "rollback_completed",
          let failed = tasks.filter({ $0.spec?.containerSpec.labels?[DockerLabel.configHash] != current }).last?.spec?.containerSpec.labels?[DockerLabel.configHash]
        {
          observed.facts[.rolledBackConfigHash] = failed
          let errors = ServiceStepPerformer.errors(of: tasks.filter { $0.spec?.containerSpec.labels?[DockerLabel.configHash] == failed })
          if !errors.isEmpty { observed.facts[.updateMessage] = errors }
        }
      }
      out[t.id] = observed
    }
    return out
  }
}
