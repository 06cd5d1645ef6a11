import Foundation

/// `container`: one Docker container, kept `running` or `stopped`, recreated when its config changes.
public struct ContainerSpec: ResourceSpec {
  /// Where the image comes from: an `image` resource or a local image reference.
  public enum ImageSource: Sendable, Hashable {
    case resource(ResourceID)
    case reference(String)

    /// As the manifest writes it: `image/NAME` (of the container's own module) or the reference.
    public var text: String {
      switch self {
      case .resource(let id): "\(id.kind)/\(id.name)"
      case .reference(let ref): ref
      }
    }
  }

  public struct Mount: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
      case volume(String)
      case bind(String)
    }
    public var source: Source
    public var target: String
    public var readOnly: Bool

    public init(source: Source, target: String, readOnly: Bool) {
      self.source = source
      self.target = target
      self.readOnly = readOnly
    }

    public var canonical: String {
      let from: String
      switch source {
      case .volume(let name): from = "volume/\(name)"
      case .bind(let path): from = path
      }
      return "\(from):\(target)\(readOnly ? ":ro" : "")"
    }
  }

  public struct NetworkAttachment: Sendable, Hashable {
    public var network: String
    public var aliases: [String]

    public init(network: String, aliases: [String]) {
      self.network = network
      self.aliases = aliases
    }

    public var canonical: String {
      aliases.isEmpty ? network : "\(network) (aliases: \(aliases.joined(separator: ", ")))"
    }
  }

  public struct Healthcheck: Sendable, Hashable {
    /// Engine form: `["CMD-SHELL", "..."]` or `["CMD", ...]`.
    public var test: [String]
    public var interval: Double?
    public var timeout: Double?
    public var retries: Int?
    public var startPeriod: Double?

    public init(test: [String], interval: Double?, timeout: Double?, retries: Int?, startPeriod: Double?) {
      self.test = test
      self.interval = interval
      self.timeout = timeout
      self.retries = retries
      self.startPeriod = startPeriod
    }

    public var canonical: String {
      var parts = [CommandText.canonical(test)]
      if let interval { parts.append("interval \(ResourceQuantity.format(seconds: interval))") }
      if let timeout { parts.append("timeout \(ResourceQuantity.format(seconds: timeout))") }
      if let retries { parts.append("retries \(retries)") }
      if let startPeriod { parts.append("start period \(ResourceQuantity.format(seconds: startPeriod))") }
      return parts.joined(separator: "; ")
    }
  }

  public struct LogConfig: Sendable, Hashable {
    public var driver: String
    public var options: [String: String]

    public init(driver: String, options: [String: String]) {
      self.driver = driver
      self.options = options
    }

    public var canonical: String {
      options.isEmpty ? driver : "\(driver) (" + options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
    }
  }

  public enum DesiredState: String, Sendable { case running, stopped }
  /// `rolling` is start-first one replica at a time (what replicas get by default).
  public enum Strategy: String, Sendable { case stopFirst = "stop-first", startFirst = "start-first", rolling }

  public let id: ResourceID
  public var dockerName: String
  public var image: ImageSource
  /// For an `image` resource, the reference it declares (`app:2`), read from the manifests at decode.
  public var imageReference: String?
  public var command: [Text]?
  public var entrypoint: [String]?
  public var env: [String: Text] = [:]
  public var ports: [PortMapping] = []
  public var mounts: [Mount] = []
  public var networks: [NetworkAttachment] = []
  public var restart: String?
  public var healthcheck: Healthcheck?
  public var user: String?
  public var workingDir: String?
  public var labels: [String: String] = [:]
  public var memoryBytes: Int?
  public var nanoCPUs: Int?
  public var pidsLimit: Int?
  public var initProcess: Bool?
  public var readOnlyRootfs: Bool?
  public var capDrop: [String] = []
  public var stopSignal: String?
  public var stopTimeout: Int?
  public var log: LogConfig?
  public var state: DesiredState = .running
  public var strategy: Strategy = .stopFirst
  /// How long a `start-first` replacement may take to become healthy.
  public var healthyWithin: Double = 60
  /// How long a container without a healthcheck must keep running after its start for the step to succeed.
  public var startupGrace: Double = 2
  /// `readiness`: when a new container may take traffic, apart from whether it lives (its `healthcheck`, which the
  /// engine and the controller act on): a replacement waits for it before the switch; failing it restarts nothing.
  public var readiness: Readiness?

  /// `{ "http": "/readyz", "port": 3001 }`: a GET of the container's own address must answer 2xx.
  public struct Readiness: Sendable, Hashable {
    public var path: String
    public var port: Int
  }
  /// Managed nginx sites that reach this container on its network (no published port): a replacement switches them.
  public var routes: [ContainerRoute] = []
  /// How long the old container keeps serving the requests it has after the switch (`update.drainTimeout`).
  public var drainTimeout: Double = 30
  /// `update.strategy` `canary` or `blue-green`: the new version takes the traffic in steps, judged at each.
  public var rollout: Rollout?
  /// How many containers run this spec: the first under its Docker name, the others as `NAME-2` … `NAME-N`.
  public var replicas = 1
  /// How many replicas a rolling replacement takes at a time (`update.batch`).
  public var batch = 1
  /// `backupBefore`: backups taken (verified, pinned) before this container is replaced or removed. Not an edge: the
  /// backup is run from its spec, whatever its schedule's state (and a backup usually depends on its container).
  public var backupsBefore: [BackupSpec] = []

  public init(id: ResourceID, image: ImageSource) {
    self.id = id
    self.dockerName = id.name
    self.image = image
  }

  /// The attributes the Engine changes in place (`POST /containers/{id}/update`).
  public static let updatableAttributes: Set<String> = ["restart", "memory", "cpus", "pidsLimit"]

  public var locator: [String: String] { ["name": dockerName] }

  /// The Docker name of replica `i` (from 1): the first keeps the plain name, so scaling from one changes nothing that
  /// runs.
  public func replicaName(_ i: Int) -> String { Self.replicaName(dockerName, i) }

  public static func replicaName(_ base: String, _ i: Int) -> String { i == 1 ? base : "\(base)-\(i)" }

  /// The replica number of `name` when it is one of `base`'s replicas beyond the first (`app-3` -> 3).
  public static func replicaIndex(of name: String, base: String) -> Int? {
    guard name.hasPrefix(base + "-"), let i = Int(name.dropFirst(base.count + 1)), i >= 2, String(i) == name.dropFirst(base.count + 1) else { return nil }
    return i
  }

  public var backupsFirst: [ResourceID] { backupsBefore.map(\.id) }

  /// Replaced without a gap by moving nginx's upstream: routed on its network and publishing no host port (a
  /// second container could not publish the same one beside it).
  public var switchesTraffic: Bool { !routes.isEmpty && ports.isEmpty }

  public var replacementNote: Reason? {
    // `nginx at /var/lib/reconcile/nginx`: the proxies whose traffic moves.
    let prefixes = Array(Set(routes.map { "\($0.server.rawValue) at \($0.prefix)" })).sorted()
    if replicas > 1 { return .rollingReplicas(count: replicas, batch: min(batch, replicas), prefixes: prefixes, drain: ResourceQuantity.format(seconds: drainTimeout)) }
    guard switchesTraffic else { return nil }
    if let rollout {
      return .rollsOut(
        strategy: rollout.strategy, steps: rollout.steps, every: ResourceQuantity.format(seconds: rollout.interval), prefixes: prefixes,
        limits: rollout.analysis.limitsText, keep: rollout.keepPrevious.map(ResourceQuantity.format(seconds:)))
    }
    return .switchesTraffic(prefixes: prefixes, drain: ResourceQuantity.format(seconds: drainTimeout))
  }

  public var implicitDependencies: [ResourceID] {
    var out: [ResourceID] = []
    if case .resource(let image) = image { out.append(image) }
    for n in networks { out.append(id.sibling(kind: "network", name: n.network)) }
    for m in mounts { if case .volume(let v) = m.source { out.append(id.sibling(kind: "volume", name: v)) } }
    var seen = Set<ResourceID>()
    return out.filter { seen.insert($0).inserted }
  }

  /// Seconds the Engine waits between the stop signal and SIGKILL (Docker's default is 10).
  public var effectiveStopTimeout: Int { stopTimeout ?? 10 }

  public var attributes: [Attribute] {
    var out = [Attribute("image", image.text, effect: .replace)]
    if let command {
      out.append(Attribute("command", CommandText.canonical(command.map(\.value)), sensitive: command.contains(where: \.isSensitive), effect: .replace))
    }
    if let entrypoint { out.append(Attribute("entrypoint", CommandText.canonical(entrypoint), effect: .replace)) }
    if !env.isEmpty {
      out.append(Attribute("env", env.keys.sorted().joined(separator: ", "), effect: .replace))
      for key in env.keys.sorted() {
        out.append(Attribute("env.\(key)", env[key]!.value, sensitive: env[key]!.isSensitive, effect: .replace))
      }
    }
    if !ports.isEmpty { out.append(Attribute("ports", ports.map(\.canonical).joined(separator: ", "), effect: .replace)) }
    if !mounts.isEmpty { out.append(Attribute("mounts", mounts.map(\.canonical).joined(separator: ", "), effect: .replace)) }
    if !networks.isEmpty { out.append(Attribute("networks", networks.map(\.canonical).joined(separator: ", "), effect: .replace)) }
    if replicas > 1 { out.append(Attribute("replicas", String(replicas))) }
    if let restart { out.append(Attribute("restart", restart)) }
    if let healthcheck { out.append(Attribute("healthcheck", healthcheck.canonical, effect: .replace)) }
    if let user { out.append(Attribute("user", user, effect: .replace)) }
    if let workingDir { out.append(Attribute("workingDir", workingDir, effect: .replace)) }
    if !labels.isEmpty {
      out.append(Attribute("labels", labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "), effect: .replace))
    }
    if let memoryBytes { out.append(Attribute("memory", ResourceQuantity.format(bytes: memoryBytes))) }
    if let nanoCPUs { out.append(Attribute("cpus", ResourceQuantity.format(nanoCPUs: nanoCPUs))) }
    if let pidsLimit { out.append(Attribute("pidsLimit", String(pidsLimit))) }
    if let initProcess { out.append(Attribute("init", String(initProcess), effect: .replace)) }
    if let readOnlyRootfs { out.append(Attribute("readOnlyRootfs", String(readOnlyRootfs), effect: .replace)) }
    if !capDrop.isEmpty { out.append(Attribute("capDrop", capDrop.joined(separator: ", "), effect: .replace)) }
    if let stopSignal { out.append(Attribute("stopSignal", stopSignal, effect: .replace)) }
    if let stopTimeout { out.append(Attribute("stopTimeout", "\(stopTimeout)s", effect: .replace)) }
    if let log { out.append(Attribute("log", log.canonical, effect: .replace)) }
    return out
  }

  /// The config hash over the attributes that force a replacement (in-place updates keep it valid).
  public var configHash: String {
    DockerLabel.configHash(attributes.filter { $0.effect == .replace }, of: id)
  }

  /// Runtime facts that need an action: exited, stopped by hand, unhealthy, image moved.
  public func findings(observed: Observation, context: FindingContext) -> [Finding] {
    ContainerFindings.findings(for: self, observed: observed, context: context)
  }
}
