import Foundation

/// `GET /version`.
public struct DockerVersion: Decodable, Sendable {
  public var version: String
  public var apiVersion: String
  public var minAPIVersion: String?
  public var os: String?
  public var arch: String?
}

/// One row of `GET /containers/json`.
public struct DockerContainerSummary: Decodable, Sendable {
  public var id: String
  public var names: [String]
  public var image: String
  public var imageID: String
  public var labels: [String: String]?
  public var state: String
  public var status: String
  public var created: Int

  enum CodingKeys: String, CodingKey {
    case id = "Id", names = "Names", image = "Image", imageID = "ImageID", labels = "Labels", state = "State", status = "Status", created = "Created"
  }

  /// The name without the Engine's leading `/`.
  public var name: String { (names.first ?? "").hasPrefix("/") ? String(names.first!.dropFirst()) : names.first ?? "" }
}

/// `GET /containers/{id}/json`: the fields the reconciler reads.
public struct DockerContainerInspect: Decodable, Sendable {
  public struct State: Decodable, Sendable {
    public var status: String
    public var running: Bool
    public var paused: Bool
    public var restarting: Bool
    public var oomKilled: Bool
    public var dead: Bool
    public var pid: Int
    public var exitCode: Int
    public var error: String?
    public var startedAt: String?
    public var finishedAt: String?
    public var health: DockerHealth?
  }
  public struct Config: Decodable, Sendable {
    public var image: String
    public var labels: [String: String]?
    public var env: [String]?
    public var cmd: [String]?
    public var entrypoint: [String]?
    public var user: String?
    public var workingDir: String?
    public var stopSignal: String?
    public var stopTimeout: Int?
  }
  public struct HostConfig: Decodable, Sendable {
    public var restartPolicy: DockerRestartPolicy?
    public var memory: Int?
    public var nanoCpus: Int?
    public var pidsLimit: Int?
    public var init_: Bool?
    public var readonlyRootfs: Bool?
    public var capDrop: [String]?
    public var logConfig: LogConfig?
    public struct LogConfig: Decodable, Sendable {
      public var type: String
      public var config: [String: String]?
    }
    enum CodingKeys: String, CodingKey {
      case restartPolicy, memory, nanoCpus, pidsLimit, readonlyRootfs, capDrop, logConfig
      case init_ = "init"
    }
  }
  public struct Endpoint: Decodable, Sendable {
    public var networkID: String?
    public var aliases: [String]?
    public var ipAddress: String?
  }
  public struct NetworkSettings: Decodable, Sendable {
    public var networks: [String: Endpoint]?
  }
  public var id: String
  public var name: String
  public var created: String
  public var image: String
  public var restartCount: Int
  public var state: State
  public var config: Config
  public var hostConfig: HostConfig
  public var networkSettings: NetworkSettings
}

/// `State.Health` of a container with a healthcheck.
public struct DockerHealth: Decodable, Sendable {
  public struct Probe: Decodable, Sendable {
    public var start: String?
    public var end: String?
    public var exitCode: Int
    public var output: String
  }
  /// `starting`, `healthy` or `unhealthy`.
  public var status: String
  public var failingStreak: Int
  public var log: [Probe]?
}

/// The in-place settings of `GET /containers/{id}/json`, with the Engine's own key names (see `DockerJSON.engineKeyed`).
public struct DockerContainerLimits: Decodable, Sendable {
  public var hostConfig: HostConfig

  public struct HostConfig: Decodable, Sendable {
    public var restartPolicy: Restart?
    public var memory: Int?
    public var nanoCpus: Int?
    public var pidsLimit: Int?
    enum CodingKeys: String, CodingKey {
      case restartPolicy = "RestartPolicy", memory = "Memory", nanoCpus = "NanoCpus", pidsLimit = "PidsLimit"
    }
  }

  public struct Restart: Decodable, Sendable {
    public var name: String
    public var maximumRetryCount: Int?
    enum CodingKeys: String, CodingKey {
      case name = "Name", maximumRetryCount = "MaximumRetryCount"
    }
  }

  enum CodingKeys: String, CodingKey {
    case hostConfig = "HostConfig"
  }
}

public struct DockerRestartPolicy: Codable, Sendable, Equatable {
  public var name: String
  public var maximumRetryCount: Int?
  public init(name: String, maximumRetryCount: Int? = nil) {
    self.name = name
    self.maximumRetryCount = maximumRetryCount
  }
}

/// `Config.Healthcheck`; durations in nanoseconds.
public struct DockerHealthcheck: Codable, Sendable, Equatable {
  public var test: [String]
  public var interval: Int?
  public var timeout: Int?
  public var retries: Int?
  public var startPeriod: Int?
  public init(test: [String], interval: Int? = nil, timeout: Int? = nil, retries: Int? = nil, startPeriod: Int? = nil) {
    self.test = test
    self.interval = interval
    self.timeout = timeout
    self.retries = retries
    self.startPeriod = startPeriod
  }
}

/// The body of `POST /containers/create`.
public struct DockerContainerCreate: Encodable, Sendable {
  public struct PortBinding: Encodable, Sendable, Equatable {
    public var hostIp: String
    public var hostPort: String
    public init(hostIp: String, hostPort: String) {
      self.hostIp = hostIp
      self.hostPort = hostPort
    }
  }
  public struct Mount: Encodable, Sendable, Equatable {
    /// `volume` or `bind`.
    public var type: String
    public var source: String
    public var target: String
    public var readOnly: Bool
    public init(type: String, source: String, target: String, readOnly: Bool) {
      self.type = type
      self.source = source
      self.target = target
      self.readOnly = readOnly
    }
  }
  public struct LogConfig: Encodable, Sendable {
    public var type: String
    public var config: [String: String]
    public init(type: String, config: [String: String]) {
      self.type = type
      self.config = config
    }
  }
  public struct HostConfig: Encodable, Sendable {
    public var mounts: [Mount]?
    public var portBindings: [String: [PortBinding]]?
    public var restartPolicy: DockerRestartPolicy?
    public var memory: Int?
    public var nanoCpus: Int?
    public var pidsLimit: Int?
    public var init_: Bool?
    public var readonlyRootfs: Bool?
    public var capDrop: [String]?
    public var logConfig: LogConfig?
    public var networkMode: String?
    public init() {}
    enum CodingKeys: String, CodingKey {
      case mounts, portBindings, restartPolicy, memory, nanoCpus, pidsLimit, readonlyRootfs, capDrop, logConfig
      case networkMode
      case init_ = "init"
    }
  }
  public struct EndpointConfig: Encodable, Sendable {
    public var aliases: [String]?
    public init(aliases: [String]?) { self.aliases = aliases }
  }
  public struct NetworkingConfig: Encodable, Sendable {
    public var endpointsConfig: [String: EndpointConfig]
    public init(endpointsConfig: [String: EndpointConfig]) { self.endpointsConfig = endpointsConfig }
  }
  /// An empty JSON object, as `ExposedPorts` values are.
  public struct Empty: Encodable, Sendable, Equatable { public init() {} }

  public var image: String
  public var cmd: [String]?
  public var entrypoint: [String]?
  public var env: [String]?
  public var labels: [String: String]?
  public var user: String?
  public var workingDir: String?
  public var exposedPorts: [String: Empty]?
  public var healthcheck: DockerHealthcheck?
  public var stopSignal: String?
  public var stopTimeout: Int?
  public var hostConfig: HostConfig
  public var networkingConfig: NetworkingConfig?

  public init(image: String) {
    self.image = image
    self.hostConfig = HostConfig()
  }
}

/// The body of `POST /containers/{id}/update`: the settings the Engine changes in place.
public struct DockerContainerUpdate: Encodable, Sendable, Equatable {
  public var restartPolicy: DockerRestartPolicy?
  public var memory: Int?
  public var memorySwap: Int?
  public var nanoCpus: Int?
  public var pidsLimit: Int?
  public init(
    restartPolicy: DockerRestartPolicy? = nil, memory: Int? = nil, memorySwap: Int? = nil,
    nanoCpus: Int? = nil, pidsLimit: Int? = nil
  ) {
    self.restartPolicy = restartPolicy
    self.memory = memory
    self.memorySwap = memorySwap
    self.nanoCpus = nanoCpus
    self.pidsLimit = pidsLimit
  }
}
