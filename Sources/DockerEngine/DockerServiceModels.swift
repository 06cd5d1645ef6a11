import Foundation

/// A Swarm service's spec as the Engine takes and gives it (`POST /services/create`, `GET /services`): the fields the
/// `service` kind sets.
public struct DockerServiceSpec: Codable, Sendable, Equatable {
  /// A Swarm secret given to the tasks as `/run/secrets/NAME`.
  public struct SecretReference: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
      public var name: String
      public var uid = "0"
      public var gid = "0"
      public var mode = 0o444
      public init(name: String) { self.name = name }
      enum CodingKeys: String, CodingKey { case name = "Name", uid = "UID", gid = "GID", mode = "Mode" }
    }
    public var secretID: String
    public var secretName: String
    public var file: File
    public init(secretID: String, secretName: String, file: File) {
      self.secretID = secretID
      self.secretName = secretName
      self.file = file
    }
    enum CodingKeys: String, CodingKey { case secretID = "SecretID", secretName = "SecretName", file = "File" }
  }

  public struct ContainerSpec: Codable, Sendable, Equatable {
    public var image: String
    public var command: [String]?
    public var env: [String]?
    public var labels: [String: String]?
    public var secrets: [SecretReference]?
    public var healthcheck: DockerHealthcheck?
    public var mounts: [DockerHostConfig.Mount]?
    /// Nanoseconds between SIGTERM and SIGKILL.
    public var stopGracePeriod: Int?

    public init(
      image: String, command: [String]? = nil, env: [String]? = nil, labels: [String: String]? = nil, secrets: [SecretReference]? = nil,
      healthcheck: DockerHealthcheck? = nil, mounts: [DockerHostConfig.Mount]? = nil, stopGracePeriod: Int? = nil
    ) {
      self.stopGracePeriod = stopGracePeriod
      self.image = image
      self.command = command
      self.env = env
      self.labels = labels
      self.secrets = secrets
      self.healthcheck = healthcheck
      self.mounts = mounts
    }

    enum CodingKeys: String, CodingKey {
      case image = "Image", command = "Command", env = "Env", labels = "Labels", secrets = "Secrets", healthcheck = "Healthcheck", mounts = "Mounts"
      case stopGracePeriod = "StopGracePeriod"
    }
  }

  /// Where Swarm may run the tasks (`node.labels.zone == a`) and how it spreads them (`Spread` over a label).
  public struct Placement: Codable, Sendable, Equatable {
    public struct Preference: Codable, Sendable, Equatable {
      public struct Spread: Codable, Sendable, Equatable {
        public var spreadDescriptor: String
        enum CodingKeys: String, CodingKey { case spreadDescriptor = "SpreadDescriptor" }
      }
      public var spread: Spread
      public init(spread descriptor: String) { self.spread = Spread(spreadDescriptor: descriptor) }
      enum CodingKeys: String, CodingKey { case spread = "Spread" }
    }
    public var constraints: [String]?
    public var preferences: [Preference]?
    public init(constraints: [String]?, preferences: [Preference]? = nil) {
      self.constraints = constraints
      self.preferences = preferences
    }
    enum CodingKeys: String, CodingKey { case constraints = "Constraints", preferences = "Preferences" }
  }

  /// A network the tasks join (`Target` is its name or ID), with aliases on it.
  public struct NetworkAttachment: Codable, Sendable, Equatable {
    public var target: String
    public var aliases: [String]?
    public init(target: String, aliases: [String]?) {
      self.target = target
      self.aliases = aliases
    }
    enum CodingKeys: String, CodingKey { case target = "Target", aliases = "Aliases" }
  }

  /// How the service is reached: `dnsrr` (a DNS name per task) or `vip` (a virtual IP, which needs IPVS in the
  /// kernel), and its published ports.
  public struct EndpointSpec: Codable, Sendable, Equatable {
    public struct Port: Codable, Sendable, Equatable {
      public var proto: String
      public var targetPort: Int
      public var publishedPort: Int
      /// `host`: bound on the node that runs the task; `ingress`: the routing mesh (IPVS).
      public var publishMode: String
      public init(proto: String, targetPort: Int, publishedPort: Int, publishMode: String) {
        self.proto = proto
        self.targetPort = targetPort
        self.publishedPort = publishedPort
        self.publishMode = publishMode
      }
      enum CodingKeys: String, CodingKey { case proto = "Protocol", targetPort = "TargetPort", publishedPort = "PublishedPort", publishMode = "PublishMode" }
    }
    public var mode: String?
    public var ports: [Port]?
    public init(mode: String?, ports: [Port]?) {
      self.mode = mode
      self.ports = ports
    }
    enum CodingKeys: String, CodingKey { case mode = "Mode", ports = "Ports" }
  }

  public struct Resources: Codable, Sendable, Equatable {
    public struct Limit: Codable, Sendable, Equatable {
      public var nanoCPUs: Int?
      public var memoryBytes: Int?
      public init(nanoCPUs: Int?, memoryBytes: Int?) {
        self.nanoCPUs = nanoCPUs
        self.memoryBytes = memoryBytes
      }
      enum CodingKeys: String, CodingKey { case nanoCPUs = "NanoCPUs", memoryBytes = "MemoryBytes" }
    }
    public var limits: Limit?
    public var reservations: Limit?
    public init(limits: Limit?, reservations: Limit? = nil) {
      self.limits = limits
      self.reservations = reservations
    }
    enum CodingKeys: String, CodingKey { case limits = "Limits", reservations = "Reservations" }
  }

  public struct TaskTemplate: Codable, Sendable, Equatable {
    public var containerSpec: ContainerSpec
    public var placement: Placement?
    public var resources: Resources?
    public var networks: [NetworkAttachment]?
    public init(containerSpec: ContainerSpec, placement: Placement? = nil, resources: Resources? = nil, networks: [NetworkAttachment]? = nil) {
      self.containerSpec = containerSpec
      self.placement = placement
      self.resources = resources
      self.networks = networks
    }
    enum CodingKeys: String, CodingKey { case containerSpec = "ContainerSpec", placement = "Placement", resources = "Resources", networks = "Networks" }
  }

  public struct Mode: Codable, Sendable, Equatable {
    public struct Replicated: Codable, Sendable, Equatable {
      public var replicas: Int?
      public init(replicas: Int) { self.replicas = replicas }
      enum CodingKeys: String, CodingKey { case replicas = "Replicas" }
    }
    public struct Global: Codable, Sendable, Equatable { public init() {} }
    public var replicated: Replicated?
    public var global: Global?
    public init(replicated: Replicated? = nil, global: Global? = nil) {
      self.replicated = replicated
      self.global = global
    }
    enum CodingKeys: String, CodingKey { case replicated = "Replicated", global = "Global" }
  }

  /// `UpdateConfig` and `RollbackConfig` alike: how many tasks at once, the pause between batches, what a failed
  /// task does, how long a new task is watched, and the share of failures tolerated.
  public struct UpdateConfig: Codable, Sendable, Equatable {
    public var parallelism: Int?
    /// Nanoseconds.
    public var delay: Int?
    public var failureAction: String?
    public var monitor: Int?
    public var order: String?
    public var maxFailureRatio: Double?
    public init(parallelism: Int?, delay: Int?, failureAction: String?, monitor: Int?, order: String?, maxFailureRatio: Double? = nil) {
      self.parallelism = parallelism
      self.delay = delay
      self.failureAction = failureAction
      self.monitor = monitor
      self.order = order
      self.maxFailureRatio = maxFailureRatio
    }
    enum CodingKeys: String, CodingKey {
      case parallelism = "Parallelism", delay = "Delay", failureAction = "FailureAction", monitor = "Monitor", order = "Order", maxFailureRatio = "MaxFailureRatio"
    }
  }

  public var name: String
  public var labels: [String: String]?
  public var taskTemplate: TaskTemplate
  public var mode: Mode?
  public var updateConfig: UpdateConfig?
  public var rollbackConfig: UpdateConfig?
  public var endpointSpec: EndpointSpec?

  public init(
    name: String, labels: [String: String]?, taskTemplate: TaskTemplate, mode: Mode?, updateConfig: UpdateConfig?, rollbackConfig: UpdateConfig? = nil,
    endpointSpec: EndpointSpec? = nil
  ) {
    self.name = name
    self.labels = labels
    self.taskTemplate = taskTemplate
    self.mode = mode
    self.updateConfig = updateConfig
    self.rollbackConfig = rollbackConfig
    self.endpointSpec = endpointSpec
  }

  enum CodingKeys: String, CodingKey {
    case name = "Name", labels = "Labels", taskTemplate = "TaskTemplate", mode = "Mode", updateConfig = "UpdateConfig", rollbackConfig = "RollbackConfig"
    case endpointSpec = "EndpointSpec"
  }
}

/// A service as `GET /services` lists it: its spec, the version an update must name, and how its last update went.
public struct DockerService: Decodable, Sendable {
  public struct Version: Decodable, Sendable {
    public var index: Int
    enum CodingKeys: String, CodingKey { case index = "Index" }
  }
  public struct UpdateStatus: Decodable, Sendable {
    public var state: String?
    public var message: String?
    enum CodingKeys: String, CodingKey { case state = "State", message = "Message" }
  }

  public var id: String
  public var version: Version
  public var spec: DockerServiceSpec
  /// The spec before the last update: after Swarm rolled an update back, the one that failed.
  public var previousSpec: DockerServiceSpec?
  public var updateStatus: UpdateStatus?

  enum CodingKeys: String, CodingKey { case id = "ID", version = "Version", spec = "Spec", previousSpec = "PreviousSpec", updateStatus = "UpdateStatus" }
}

/// A task of a service: where it runs and in which state.
public struct DockerTask: Decodable, Sendable {
  public struct Status: Decodable, Sendable {
    public var state: String
    public var err: String?
    enum CodingKeys: String, CodingKey { case state = "State", err = "Err" }
  }

  public var id: String
  public var serviceID: String?
  /// Grows with every change of the task in Swarm's store: the newest task has the highest.
  public var version: DockerService.Version?
  public var nodeID: String?
  public var desiredState: String
  public var status: Status
  /// The spec the task was made from: a rollout is over when every running task has the service's.
  public var spec: DockerServiceSpec.TaskTemplate?

  /// Wanted running and running: a task that serves.
  public var isRunning: Bool { desiredState == "running" && status.state == "running" }

  enum CodingKeys: String, CodingKey {
    case id = "ID", serviceID = "ServiceID", version = "Version", nodeID = "NodeID", desiredState = "DesiredState", status = "Status", spec = "Spec"
  }
}

/// A node of the Swarm as `GET /nodes` lists it.
public struct DockerNode: Decodable, Sendable {
  public struct Version: Decodable, Sendable {
    public var index: Int
    enum CodingKeys: String, CodingKey { case index = "Index" }
  }
  /// What a node update sets: its role, availability and labels.
  public struct Spec: Codable, Sendable, Equatable {
    public var role: String?
    public var availability: String?
    public var labels: [String: String]?
    public var name: String?
    enum CodingKeys: String, CodingKey { case role = "Role", availability = "Availability", labels = "Labels", name = "Name" }
  }
  public struct Description: Decodable, Sendable {
    public var hostname: String?
    enum CodingKeys: String, CodingKey { case hostname = "Hostname" }
  }
  public struct Status: Decodable, Sendable {
    /// `ready`, `down`, `disconnected`, `unknown`.
    public var state: String
    public var message: String?
    /// The address other nodes (and a proxy) reach it at.
    public var addr: String?
    enum CodingKeys: String, CodingKey { case state = "State", message = "Message", addr = "Addr" }
  }
  public struct ManagerStatus: Decodable, Sendable {
    public var leader: Bool?
    public var reachability: String?
    enum CodingKeys: String, CodingKey { case leader = "Leader", reachability = "Reachability" }
  }

  public var id: String
  public var version: Version
  public var spec: Spec
  public var description: Description?
  public var status: Status
  public var managerStatus: ManagerStatus?

  /// The host name Swarm lists the node by (its ID when it has none).
  public var name: String { description?.hostname ?? id }

  enum CodingKeys: String, CodingKey {
    case id = "ID", version = "Version", spec = "Spec", description = "Description", status = "Status", managerStatus = "ManagerStatus"
  }
}
