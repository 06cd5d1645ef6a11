import Foundation

/// `service`: a Docker Swarm service, reached through the same Engine socket as containers (its manager's). Swarm runs
/// its tasks across the nodes and rolls a change out by itself (`update`); every attribute is changed in place
/// (`POST /services/{id}/update`). What Swarm does on its own (tasks not running, a node down, an update it rolled
/// back) is observed and reported, never fought.
public struct ServiceSpec: ResourceSpec {
  public enum Mode: Sendable, Hashable {
    case replicated(Int)
    case global

    /// `3 replicas`, `global`.
    public var text: String {
      switch self {
      case .replicated(let n): "\(n) replica\(n == 1 ? "" : "s")"
      case .global: "global"
      }
    }
  }

  /// `update` and `rollback`: how Swarm rolls a change (or its undoing) out, its `update_config`/`rollback_config`.
  public struct Update: Sendable, Hashable {
    public var parallelism = 1
    public var delay: Double = 0
    public var order = "stop-first"
    public var failureAction = "pause"
    public var monitor: Double = 5
    public var maxFailureRatio: Double = 0

    public init() {}

    public var text: String {
      "parallelism \(parallelism), delay \(ResourceQuantity.format(seconds: delay)), order \(order), on failure \(failureAction), monitor \(ResourceQuantity.format(seconds: monitor))"
        + (maxFailureRatio > 0 ? ", max failure ratio \(maxFailureRatio)" : "")
    }
  }

  public let id: ResourceID
  public var image: String
  public var command: [Text]?
  public var env: [String: Text] = [:]
  /// Given to the tasks as `/run/secrets/NAME`, each from a Swarm secret named after its content's digest (a new value
  /// is a new secret: the service moves to it and the old one goes).
  public var secrets: [String: Text] = [:]
  public var mode: Mode = .replicated(1)
  public var labels: [String: String] = [:]
  public var constraints: [String] = []
  /// Spread descriptors (`node.labels.zone`): Swarm spreads the tasks evenly over the label's values.
  public var preferences: [String] = []
  public var update: Update?
  public var rollback: Update?
  public var memoryBytes: Int?
  public var nanoCPUs: Int?
  public var reservedMemoryBytes: Int?
  public var reservedNanoCPUs: Int?
  /// Ports published in `host` mode: bound on each node that runs a task, at the node's address.
  public var ports: [PortMapping] = []
  /// `dnsrr` or `vip` (Swarm's default; it needs IPVS in the kernel).
  public var endpointMode: String?
  /// Overlay networks the tasks join (declared `network` resources).
  public var networks: [ContainerSpec.NetworkAttachment] = []
  /// Named volumes (made by Swarm on each node that runs a task) and bind mounts (a path on every such node).
  public var mounts: [ContainerSpec.Mount] = []
  public var healthcheck: ContainerSpec.Healthcheck?
  /// Seconds a task has to stop after SIGTERM before it is killed (Swarm's default: 10).
  public var stopTimeout: Int?
  /// The managed sites that route to the tasks (set by the decoder from the sites): moved while tasks move.
  public var routes: [ContainerRoute] = []

  public init(id: ResourceID, image: String) {
    self.id = id
    self.image = image
  }

  public var dockerName: String { id.name }
  public var locator: [String: String] { ["name": dockerName] }
  public var implicitDependencies: [ResourceID] { networks.map { id.sibling(kind: "network", name: $0.network) } }

  public var attributes: [Attribute] {
    var out = [Attribute("image", image)]
    if let command { out.append(Attribute("command", CommandText.canonical(command.map(\.value)), sensitive: command.contains(where: \.isSensitive))) }
    if !env.isEmpty {
      out.append(Attribute("env", env.keys.sorted().joined(separator: ", ")))
      for key in env.keys.sorted() { out.append(Attribute("env.\(key)", env[key]!.value, sensitive: env[key]!.isSensitive)) }
    }
    if !secrets.isEmpty {
      out.append(Attribute("secrets", secrets.keys.sorted().joined(separator: ", ")))
      for key in secrets.keys.sorted() { out.append(Attribute("secret.\(key)", secrets[key]!.value, sensitive: true)) }
    }
    out.append(Attribute("mode", mode.text))
    if !labels.isEmpty { out.append(Attribute("labels", labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))) }
    if !constraints.isEmpty { out.append(Attribute("constraints", constraints.joined(separator: ", "))) }
    if !preferences.isEmpty { out.append(Attribute("preferences", preferences.map { "spread \($0)" }.joined(separator: ", "))) }
    if !ports.isEmpty { out.append(Attribute("ports", ports.map { "\($0.hostPort):\($0.containerPort)/\($0.proto) (host mode)" }.joined(separator: ", "))) }
    if let endpointMode { out.append(Attribute("endpointMode", endpointMode)) }
    if !networks.isEmpty { out.append(Attribute("networks", networks.map(\.canonical).joined(separator: ", "))) }
    if !mounts.isEmpty { out.append(Attribute("mounts", mounts.map(\.canonical).joined(separator: ", "))) }
    if let healthcheck { out.append(Attribute("healthcheck", healthcheck.canonical)) }
    if let stopTimeout { out.append(Attribute("stopTimeout", "\(stopTimeout)s")) }
    if let memoryBytes { out.append(Attribute("memory", ResourceQuantity.format(bytes: memoryBytes))) }
    if let nanoCPUs { out.append(Attribute("cpus", ResourceQuantity.format(nanoCPUs: nanoCPUs))) }
    if let reservedMemoryBytes { out.append(Attribute("reserve.memory", ResourceQuantity.format(bytes: reservedMemoryBytes))) }
    if let reservedNanoCPUs { out.append(Attribute("reserve.cpus", ResourceQuantity.format(nanoCPUs: reservedNanoCPUs))) }
    if let update { out.append(Attribute("update", update.text)) }
    if let rollback { out.append(Attribute("rollback", rollback.text)) }
    return out
  }

  /// The hash of the attributes Swarm does not report back as such (everything but the mode, which is read live).
  public var configHash: String { DockerLabel.configHash(attributes.filter { $0.name != "mode" }, of: id) }

  /// The published port of the tasks for `port` (TCP), where a managed proxy reaches each node that runs one.
  public func publishedPort(for port: Int) -> Int? {
    ports.first { $0.containerPort == port && $0.proto == "tcp" }?.hostPort
  }

  public func findings(observed: Observation, context: FindingContext) -> [Finding] {
    var out: [Finding] = []
    if let tasks = observed.facts[.tasks]?.split(separator: " ").compactMap({ Int($0) }), tasks.count == 2, tasks[0] < tasks[1] {
      let down = observed.facts[.downNodes]?.split(separator: ",").map(String.init) ?? []
      // Right after Swarm rolled an update back, the failed tasks are that version's, said below.
      let error = observed.facts[.rolledBackConfigHash] == nil ? observed.facts[.taskError] : nil
      out.append(Finding(.service(.tasksNotRunning(running: tasks[0], wanted: tasks[1], downNodes: down, lastError: error)), effect: .update))
    }
    if let state = observed.facts[.updateState], ["rollback_completed", "rollback_started", "rollback_paused", "paused"].contains(state) {
      let message = observed.facts[.updateMessage] ?? ""
      if state == "rollback_completed", observed.facts[.rolledBackConfigHash] == configHash {
        out.append(Finding(.service(.desiredVersionRolledBack(message: message)), effect: .update))
      } else {
        out.append(Finding(.service(.updateStopped(state: state, message: message)), effect: .update))
      }
    }
    return out
  }

  public static let descriptor = KindDescriptor(name: "service") { id, r, _ in ServiceSpecDecoder.decode(id, &r) }
}

/// What observation found of a service that Swarm handles by itself: reported, not acted on.
public enum ServiceSignal: Sendable, Hashable {
  /// Fewer tasks run than wanted, and the nodes that had some of them and are not ready.
  /// `lastError`: what the latest failed tasks said.
  case tasksNotRunning(running: Int, wanted: Int, downNodes: [String], lastError: String?)
  /// Swarm stopped or rolled back the last update (`rollback_completed`, `paused`), with its message.
  case updateStopped(state: String, message: String)
  /// Swarm rolled back the very version the manifests want (its message says why): applying it again is trying
  /// what failed once more, which the plan says rather than doing it silently.
  case desiredVersionRolledBack(message: String)

  public var reason: String {
    switch self {
    case .tasksNotRunning(let running, let wanted, let down, let error):
      let nodes = down.map { "node '\($0)'" }
      var why = nodes.isEmpty ? "Swarm is placing the others" : "\(nodes.joined(separator: ", ")) \(nodes.count == 1 ? "is" : "are") down"
      if let error, nodes.isEmpty { why = "tasks fail: \(error)" }
      return "\(running) of \(wanted) tasks running; \(why)"
    case .updateStopped(let state, let message):
      return "Swarm \(state == "paused" ? "paused" : "rolled back") the last update\(message.isEmpty ? "" : ": \(message)")"
    case .desiredVersionRolledBack(let message):
      return "Swarm rolled back this version\(message.isEmpty ? "" : " (\(message))"); applying tries it again"
    }
  }
}
