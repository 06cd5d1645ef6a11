import DockerEngine
import Foundation
import ReconcileCore

/// Turns a `ContainerSpec` into the Engine's create body: the manifest's values, nothing decided.
enum ContainerCreateRequest {
  /// The body of `POST /containers/create` for `spec` running `image` (an ID or reference);
  /// `imageRef` is the reference recorded in the labels, `extraLabels` fill keys no other label sets.
  static func body(_ spec: ContainerSpec, image: String, imageRef: String, extraLabels: [String: String] = [:]) -> DockerContainerCreate {
    var body = DockerContainerCreate(image: image)
    body.cmd = spec.command?.map(\.value)
    body.entrypoint = spec.entrypoint
    if !spec.env.isEmpty { body.env = spec.env.keys.sorted().map { "\($0)=\(spec.env[$0]!.value)" } }
    body.labels = DockerLabel.container(spec, imageRef: imageRef, extra: extraLabels)
    body.user = spec.user
    body.workingDir = spec.workingDir
    body.stopSignal = spec.stopSignal
    body.stopTimeout = spec.stopTimeout
    if let h = spec.healthcheck {
      var check = DockerHealthcheck(test: h.test)
      check.interval = h.interval.map(nanoseconds)
      check.timeout = h.timeout.map(nanoseconds)
      check.retries = h.retries
      check.startPeriod = h.startPeriod.map(nanoseconds)
      body.healthcheck = check
    }
    if !spec.ports.isEmpty {
      var exposed: [String: DockerContainerCreate.Empty] = [:]
      var bindings: [String: [DockerContainerCreate.PortBinding]] = [:]
      for p in spec.ports {
        let key = "\(p.containerPort)/\(p.proto)"
        exposed[key] = .init()
        bindings[key, default: []].append(.init(hostIp: p.hostIP, hostPort: String(p.hostPort)))
      }
      body.exposedPorts = exposed
      body.hostConfig.portBindings = bindings
    }
    if !spec.mounts.isEmpty {
      body.hostConfig.mounts = spec.mounts.map { m in
        switch m.source {
        case .volume(let name): .volume(name, at: m.target, readOnly: m.readOnly)
        case .bind(let path): .bind(path, at: m.target, readOnly: m.readOnly)
        }
      }
    }
    if let restart = spec.restart { body.hostConfig.restartPolicy = restartPolicy(restart) }
    body.hostConfig.memory = spec.memoryBytes
    body.hostConfig.nanoCpus = spec.nanoCPUs
    body.hostConfig.pidsLimit = spec.pidsLimit
    body.hostConfig.init_ = spec.initProcess
    body.hostConfig.readonlyRootfs = spec.readOnlyRootfs
    if !spec.capDrop.isEmpty { body.hostConfig.capDrop = spec.capDrop }
    if let log = spec.log { body.hostConfig.logConfig = .init(type: log.driver, config: log.options) }
    // The Engine attaches one network at create; the others are connected before start.
    if let first = spec.networks.first {
      body.hostConfig.networkMode = first.network
      body.networkingConfig = .init(endpointsConfig: [first.network: .init(aliases: first.aliases.isEmpty ? nil : first.aliases)])
    }
    return body
  }

  /// The settings `POST /containers/{id}/update` changes, as the manifest declares them.
  static func update(_ spec: ContainerSpec) -> DockerContainerUpdate {
    DockerContainerUpdate(
      restartPolicy: spec.restart.map(restartPolicy), memory: spec.memoryBytes,
      memorySwap: spec.memoryBytes.map { $0 * 2 }, nanoCpus: spec.nanoCPUs, pidsLimit: spec.pidsLimit)
  }

  /// `on-failure:3` -> name `on-failure`, 3 retries.
  static func restartPolicy(_ text: String) -> DockerRestartPolicy {
    let parts = text.split(separator: ":", maxSplits: 1)
    if parts.count == 2, let n = Int(parts[1]) { return .init(name: String(parts[0]), maximumRetryCount: n) }
    return .init(name: text)
  }

  static func nanoseconds(_ seconds: Double) -> Int { Int((seconds * 1e9).rounded()) }
}
