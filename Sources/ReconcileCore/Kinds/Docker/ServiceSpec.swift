import Foundation

/// `service`: a Docker Swarm service, reached through the same Engine socket as containers (its manager's). Swarm runs
/// its tasks across the nodes and rolls a change out by itself (`update`); every attribute is changed in place
/// (`POST /services/{id}/update`). What Swarm does on its own (tasks not running, an update it rolled back) is
/// observed and reported, never fought.
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

  /// `update`: how Swarm rolls a change out (its `update_config`).
  public struct Update: Sendable, Hashable {
    public var parallelism = 1
    public var delay: Double = 0
    public var order = "stop-first"
    public var failureAction = "pause"
    public var monitor: Double = 5

    public init() {}

    public var text: String {
      "parallelism \(parallelism), delay \(ResourceQuantity.format(seconds: delay)), order \(order), on failure \(failureAction), monitor \(ResourceQuantity.format(seconds: monitor))"
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
  public var update: Update?
  public var memoryBytes: Int?
  public var nanoCPUs: Int?

  public init(id: ResourceID, image: String) {
    self.id = id
    self.image = image
  }

  public var dockerName: String { id.name }
  public var locator: [String: String] { ["name": dockerName] }

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
    if let memoryBytes { out.append(Attribute("memory", ResourceQuantity.format(bytes: memoryBytes))) }
    if let nanoCPUs { out.append(Attribute("cpus", ResourceQuantity.format(nanoCPUs: nanoCPUs))) }
    if let update { out.append(Attribute("update", update.text)) }
    return out
  }

  /// The hash of the attributes Swarm does not report back as such (everything but the mode, which is read live).
  public var configHash: String { DockerLabel.configHash(attributes.filter { $0.name != "mode" }, of: id) }

  public func findings(observed: Observation, context: FindingContext) -> [Finding] {
    var out: [Finding] = []
    if let tasks = observed.facts[.tasks]?.split(separator: " ").compactMap({ Int($0) }), tasks.count == 2, tasks[0] < tasks[1] {
      out.append(Finding(.service(.tasksNotRunning(running: tasks[0], wanted: tasks[1])), effect: .update))
    }
    if let state = observed.facts[.updateState], ["rollback_completed", "rollback_started", "paused"].contains(state) {
      out.append(Finding(.service(.updateStopped(state: state, message: observed.facts[.updateMessage] ?? "")), effect: .update))
    }
    return out
  }

  public static let descriptor = KindDescriptor(name: "service") { id, r, _ in
    guard let image = r.string("image", required: true) else { return nil }
    var spec = ServiceSpec(id: id, image: image)
    if !DockerNames.isValidContainerName(id.name) { r.report("name", "expected a Swarm service name ([a-zA-Z0-9][a-zA-Z0-9_.-]*), got '\(id.name)'") }
    spec.command = r.texts("command")
    spec.env = r.textMap("env") ?? [:]
    spec.secrets = r.textMap("secrets") ?? [:]
    for key in spec.secrets.keys.sorted() where key.isEmpty || !key.allSatisfy({ $0.isLetter || $0.isNumber || "_.-".contains($0) }) {
      r.report("secrets", "expected a file name like \"db_password\" (letters, digits, '_', '.', '-'), got '\(key)'")
    }
    let replicas = r.int("replicas", in: 0...1000)
    if let mode = r.choice("mode", ["replicated", "global"]), mode == "global" {
      if replicas != nil { r.report("replicas", "a global service runs one task on every node; drop \"replicas\" or \"mode\": \"global\"") }
      spec.mode = .global
    } else {
      spec.mode = .replicated(replicas ?? 1)
    }
    spec.labels = (r.textMap("labels") ?? [:]).mapValues(\.value)
    for key in spec.labels.keys.sorted() where DockerLabel.reserved.contains(key) { r.report("labels", "'\(key)' is reconcile's own label") }
    spec.constraints = r.strings("constraints") ?? []
    spec.memoryBytes = ContainerSpecDecoder.memory(&r)
    if let cpus = r.number("cpus", in: 0.001...1024) { spec.nanoCPUs = Int((cpus * 1e9).rounded()) }
    if var u = r.object("update") {
      var update = Update()
      if let p = u.int("parallelism", in: 0...1000) { update.parallelism = p }
      if let d = u.duration("delay") { update.delay = d }
      if let o = u.choice("order", ["stop-first", "start-first"]) { update.order = o }
      if let f = u.choice("failureAction", ["pause", "continue", "rollback"]) { update.failureAction = f }
      if let m = u.duration("monitor") { update.monitor = m }
      u.finish()
      spec.update = update
    }
    return spec
  }
}

/// What observation found of a service that Swarm handles by itself: reported, not acted on.
public enum ServiceSignal: Sendable, Hashable {
  case tasksNotRunning(running: Int, wanted: Int)
  /// Swarm stopped or rolled back the last update (`rollback_completed`, `paused`), with its message.
  case updateStopped(state: String, message: String)

  public var reason: String {
    switch self {
    case .tasksNotRunning(let running, let wanted): "tasks: \(running) of \(wanted) running (Swarm is placing the others)"
    case .updateStopped(let state, let message):
      "Swarm \(state == "paused" ? "paused" : "rolled back") the last update\(message.isEmpty ? "" : ": \(message)")"
    }
  }
}
