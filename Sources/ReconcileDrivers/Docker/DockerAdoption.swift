import DockerEngine
import Foundation
import ReconcileCore

/// Reads the object a container, network or volume resource names (an existing one reconcile did not create) for
/// `reconcile import`: what it is, in the spec's terms, and how it differs from the spec. Changes nothing.
extension DockerDriver {
  public func adoptionCheck(_ spec: any ResourceSpec, project: String?) async throws -> AdoptionCheck {
    if let setupError { throw setupError.operationError(doing: "look for \(spec.id)") }
    do {
      switch spec {
      case let spec as ContainerSpec: return try await containerCheck(spec, project: project)
      case let spec as NetworkSpec:
        guard let network = try await client.listNetworks().first(where: { $0.name == spec.dockerName }) else {
          throw OperationError("there is no network named '\(spec.dockerName)' on this Docker Engine")
        }
        try Self.notManaged(network.labels, "network '\(spec.dockerName)'")
        return ObjectAdoption.network(spec, objectID: network.id, driver: network.driver, internal: network.internal, project: project)
      case let spec as VolumeSpec:
        guard let volume = try await client.listVolumes().first(where: { $0.name == spec.dockerName }) else {
          throw OperationError("there is no volume named '\(spec.dockerName)' on this Docker Engine")
        }
        try Self.notManaged(volume.labels, "volume '\(spec.dockerName)'")
        return ObjectAdoption.volume(spec, driver: volume.driver, project: project)
      default:
        return try await observedAdoptionCheck(spec, project: project)
      }
    } catch let error as DockerEngineError {
      throw error.operationError(doing: "look for \(spec.id)")
    }
  }

  func containerCheck(_ spec: ContainerSpec, project: String?) async throws -> AdoptionCheck {
    guard let c = try await client.inspectContainerIfPresent(spec.dockerName) else {
      throw OperationError("there is no container named '\(spec.dockerName)' on this Docker Engine")
    }
    try Self.notManaged(c.config.labels, "container '\(spec.dockerName)'")
    let image = try await client.inspectImageIfPresent(c.image)?.config
    let defaults = LiveContainer.ImageDefaults(
      command: image?.cmd ?? [], entrypoint: image?.entrypoint ?? [], env: Self.environment(image?.env), user: image?.user ?? "",
      workingDir: image?.workingDir ?? "")
    var live = LiveContainer(
      id: c.id, state: c.state.status, image: DockerImageReference.normalized(c.config.image), command: c.config.cmd ?? [],
      entrypoint: c.config.entrypoint ?? [], env: Self.environment(c.config.env), user: c.config.user ?? "",
      workingDir: c.config.workingDir ?? "", defaults: defaults)
    for (key, bindings) in c.hostConfig.portBindings ?? [:] {
      let parts = key.split(separator: "/")
      guard let port = parts.first.flatMap({ Int($0) }) else { continue }
      for b in bindings {
        let ip = b.hostIp == "0.0.0.0" ? "" : b.hostIp
        if let m = PortMapping(parsing: (ip.isEmpty ? "" : ip + ":") + "\(b.hostPort):\(port)/\(parts.count > 1 ? parts[1] : "tcp")") { live.ports.append(m) }
      }
    }
    for m in c.mounts ?? [] {
      switch m.type {
      case "volume":
        // An anonymous volume (the image's `VOLUME`) has a digest for a name: it is the image's, not the container's.
        guard let name = m.name, !(name.count == 64 && name.allSatisfy(\.isHexDigit)) else { continue }
        live.mounts.append(ContainerSpec.Mount(source: .volume(name), target: m.destination, readOnly: !m.rw))
      case "bind":
        live.mounts.append(ContainerSpec.Mount(source: .bind(m.source ?? ""), target: m.destination, readOnly: !m.rw))
      default: continue
      }
    }
    for (name, endpoint) in c.networkSettings.networks ?? [:] {
      let aliases = (endpoint.aliases ?? []).filter { !c.id.hasPrefix($0) }
      live.networks.append(ContainerSpec.NetworkAttachment(network: name, aliases: aliases))
    }
    if let h = c.config.healthcheck, !h.test.isEmpty, h.test != ["NONE"] {
      let seconds = { (n: Int?) in n.flatMap { $0 > 0 ? Double($0) / 1e9 : nil } }
      live.healthcheck = ContainerSpec.Healthcheck(
        test: h.test, interval: seconds(h.interval), timeout: seconds(h.timeout), retries: h.retries.flatMap { $0 > 0 ? $0 : nil },
        startPeriod: seconds(h.startPeriod))
    }
    live.labels = c.config.labels ?? [:]
    live.initProcess = c.hostConfig.init_ ?? false
    live.readOnlyRootfs = c.hostConfig.readonlyRootfs ?? false
    live.capDrop = c.hostConfig.capDrop ?? []
    live.stopSignal = c.config.stopSignal
    live.stopTimeout = c.config.stopTimeout
    live.log = c.hostConfig.logConfig.map { ContainerSpec.LogConfig(driver: $0.type, options: $0.config ?? [:]) }
    return ContainerAdoption.check(spec, live, project: project)
  }

  static func notManaged(_ labels: [String: String]?, _ what: String) throws {
    guard let owner = labels?[DockerLabel.resource], DockerLabel.isManaged(labels) else { return }
    throw OperationError("\(what) is already managed by reconcile, as \(owner)\(labels?[DockerLabel.project].map { " of project '\($0)'" } ?? "")")
  }

  /// `["A=1", "B"]` -> `[A: 1, B: ""]`.
  static func environment(_ list: [String]?) -> [String: String] {
    var out: [String: String] = [:]
    for entry in list ?? [] {
      let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      out[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
    }
    return out
  }
}

extension DockerDriver {
  /// The containers, volumes and networks docker compose made for `project` (v1 and v2 label them alike), for
  /// `reconcile import compose --adopt`. Empty when compose made none.
  public func composeProject(_ project: String) async throws -> ComposeImport.RunningProject {
    if let setupError { throw setupError.operationError(doing: "look for compose project '\(project)'") }
    let filter: [String: String?] = ["com.docker.compose.project": project]
    var running = ComposeImport.RunningProject()
    do {
      for c in try await client.listContainers(labels: filter) where c.labels?["com.docker.compose.oneoff"] != "True" {
        if let service = c.labels?["com.docker.compose.service"], c.labels?["com.docker.compose.container-number"] ?? "1" == "1" {
          running.containers[service] = c.name
        }
      }
      for v in try await client.listVolumes(labels: filter) {
        if let key = v.labels?["com.docker.compose.volume"] { running.volumes[key] = v.name }
      }
      for n in try await client.listNetworks(labels: filter) {
        if let key = n.labels?["com.docker.compose.network"] { running.networks[key] = n.name }
      }
    } catch let error as DockerEngineError {
      throw error.operationError(doing: "look for compose project '\(project)'")
    }
    return running
  }
}
