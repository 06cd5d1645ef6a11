import Foundation

// Every wire model spells the Engine's own (PascalCase) keys in explicit `CodingKeys`; the coders in
// `DockerJSON` convert no keys.

/// `GET /version`.
public struct DockerVersion: Decodable, Sendable {
  public var version: String
  public var apiVersion: String
  public var minAPIVersion: String?
  public var os: String?
  public var arch: String?

  enum CodingKeys: String, CodingKey {
    case version = "Version", apiVersion = "ApiVersion", minAPIVersion = "MinAPIVersion", os = "Os", arch = "Arch"
  }
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

    enum CodingKeys: String, CodingKey {
      case status = "Status", running = "Running", paused = "Paused", restarting = "Restarting", oomKilled = "OOMKilled"
      case dead = "Dead", pid = "Pid", exitCode = "ExitCode", error = "Error", startedAt = "StartedAt"
      case finishedAt = "FinishedAt", health = "Health"
    }
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
    public var healthcheck: DockerHealthcheck?

    enum CodingKeys: String, CodingKey {
      case image = "Image", labels = "Labels", env = "Env", cmd = "Cmd", entrypoint = "Entrypoint", user = "User"
      case workingDir = "WorkingDir", stopSignal = "StopSignal", stopTimeout = "StopTimeout", healthcheck = "Healthcheck"
    }
  }
  public typealias HostConfig = DockerHostConfig
  public struct Endpoint: Decodable, Sendable {
    public var networkID: String?
    public var aliases: [String]?
    public var ipAddress: String?

    enum CodingKeys: String, CodingKey { case networkID = "NetworkID", aliases = "Aliases", ipAddress = "IPAddress" }
  }
  public struct NetworkSettings: Decodable, Sendable {
    public var networks: [String: Endpoint]?

    enum CodingKeys: String, CodingKey { case networks = "Networks" }
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
  /// What is mounted, however it was asked for (`Mounts` or `Binds`).
  public var mounts: [MountPoint]?

  /// One entry of the inspect's `Mounts`: a named or anonymous volume (`name`), a bind (`source`), a tmpfs.
  public struct MountPoint: Decodable, Sendable {
    public var type: String
    public var name: String?
    public var source: String?
    public var destination: String
    public var rw: Bool

    enum CodingKeys: String, CodingKey { case type = "Type", name = "Name", source = "Source", destination = "Destination", rw = "RW" }
  }

  enum CodingKeys: String, CodingKey {
    case id = "Id", name = "Name", created = "Created", image = "Image", restartCount = "RestartCount", state = "State"
    case config = "Config", hostConfig = "HostConfig", networkSettings = "NetworkSettings", mounts = "Mounts"
  }
}

/// `State.Health` of a container with a healthcheck.
public struct DockerHealth: Decodable, Sendable {
  public struct Probe: Decodable, Sendable {
    public var start: String?
    public var end: String?
    public var exitCode: Int
    public var output: String

    enum CodingKeys: String, CodingKey { case start = "Start", end = "End", exitCode = "ExitCode", output = "Output" }
  }
  /// `starting`, `healthy` or `unhealthy`.
  public var status: String
  public var failingStreak: Int
  public var log: [Probe]?

  enum CodingKeys: String, CodingKey { case status = "Status", failingStreak = "FailingStreak", log = "Log" }
}

/// The in-place settings of `GET /containers/{id}/json`: `HostConfig` alone, the rest of the answer unread.
public struct DockerContainerLimits: Decodable, Sendable {
  public var hostConfig: DockerHostConfig

  enum CodingKeys: String, CodingKey { case hostConfig = "HostConfig" }
}

/// `Config.Healthcheck`; durations in nanoseconds.
public struct DockerHealthcheck: Codable, Sendable, Equatable {
  public var test: [String]
  public var interval: Int?
  public var timeout: Int?
  public var retries: Int?
  public var startPeriod: Int?
  /// A check running `test`; the timings are the Engine's defaults until set.
  public init(test: [String]) { self.test = test }

  enum CodingKeys: String, CodingKey {
    case test = "Test", interval = "Interval", timeout = "Timeout", retries = "Retries", startPeriod = "StartPeriod"
  }
}

/// The body of `POST /containers/create`.
public struct DockerContainerCreate: Encodable, Sendable {
  public typealias PortBinding = DockerHostConfig.PortBinding
  public typealias Mount = DockerHostConfig.Mount
  public typealias LogConfig = DockerHostConfig.LogConfig
  public typealias HostConfig = DockerHostConfig

  public struct EndpointConfig: Encodable, Sendable {
    public var aliases: [String]?
    public init(aliases: [String]?) { self.aliases = aliases }

    enum CodingKeys: String, CodingKey { case aliases = "Aliases" }
  }
  public struct NetworkingConfig: Encodable, Sendable {
    public var endpointsConfig: [String: EndpointConfig]
    public init(endpointsConfig: [String: EndpointConfig]) { self.endpointsConfig = endpointsConfig }

    enum CodingKeys: String, CodingKey { case endpointsConfig = "EndpointsConfig" }
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

  enum CodingKeys: String, CodingKey {
    case image = "Image", cmd = "Cmd", entrypoint = "Entrypoint", env = "Env", labels = "Labels", user = "User"
    case workingDir = "WorkingDir", exposedPorts = "ExposedPorts", healthcheck = "Healthcheck", stopSignal = "StopSignal"
    case stopTimeout = "StopTimeout", hostConfig = "HostConfig", networkingConfig = "NetworkingConfig"
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

  enum CodingKeys: String, CodingKey {
    case restartPolicy = "RestartPolicy", memory = "Memory", memorySwap = "MemorySwap", nanoCpus = "NanoCpus", pidsLimit = "PidsLimit"
  }
}
