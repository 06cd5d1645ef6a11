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

    public init(image: String, command: [String]? = nil, env: [String]? = nil, labels: [String: String]? = nil, secrets: [SecretReference]? = nil) {
      self.image = image
      self.command = command
      self.env = env
      self.labels = labels
      self.secrets = secrets
    }

    enum CodingKeys: String, CodingKey { case image = "Image", command = "Command", env = "Env", labels = "Labels", secrets = "Secrets" }
  }

  public struct Placement: Codable, Sendable, Equatable {
    public var constraints: [String]?
    public init(constraints: [String]?) { self.constraints = constraints }
    enum CodingKeys: String, CodingKey { case constraints = "Constraints" }
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
    public init(limits: Limit?) { self.limits = limits }
    enum CodingKeys: String, CodingKey { case limits = "Limits" }
  }

  public struct TaskTemplate: Codable, Sendable, Equatable {
    public var containerSpec: ContainerSpec
    public var placement: Placement?
    public var resources: Resources?
    public init(containerSpec: ContainerSpec, placement: Placement? = nil, resources: Resources? = nil) {
      self.containerSpec = containerSpec
      self.placement = placement
      self.resources = resources
    }
    enum CodingKeys: String, CodingKey { case containerSpec = "ContainerSpec", placement = "Placement", resources = "Resources" }
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

  public struct UpdateConfig: Codable, Sendable, Equatable {
    public var parallelism: Int?
    /// Nanoseconds.
    public var delay: Int?
    public var failureAction: String?
    public var monitor: Int?
    public var order: String?
    public init(parallelism: Int?, delay: Int?, failureAction: String?, monitor: Int?, order: String?) {
      self.parallelism = parallelism
      self.delay = delay
      self.failureAction = failureAction
      self.monitor = monitor
      self.order = order
    }
    enum CodingKeys: String, CodingKey {
      case parallelism = "Parallelism", delay = "Delay", failureAction = "FailureAction", monitor = "Monitor", order = "Order"
    }
  }

  public var name: String
  public var labels: [String: String]?
  public var taskTemplate: TaskTemplate
  public var mode: Mode?
  public var updateConfig: UpdateConfig?

  public init(name: String, labels: [String: String]?, taskTemplate: TaskTemplate, mode: Mode?, updateConfig: UpdateConfig?) {
    self.name = name
    self.labels = labels
    self.taskTemplate = taskTemplate
    self.mode = mode
    self.updateConfig = updateConfig
  }

  enum CodingKeys: String, CodingKey {
    case name = "Name", labels = "Labels", taskTemplate = "TaskTemplate", mode = "Mode", updateConfig = "UpdateConfig"
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
  public var updateStatus: UpdateStatus?

  enum CodingKeys: String, CodingKey { case id = "ID", version = "Version", spec = "Spec", updateStatus = "UpdateStatus" }
}

/// A task of a service: where it runs and in which state.
public struct DockerTask: Decodable, Sendable {
  public struct Status: Decodable, Sendable {
    public var state: String
    public var err: String?
    enum CodingKeys: String, CodingKey { case state = "State", err = "Err" }
  }

  public var id: String
  public var nodeID: String?
  public var desiredState: String
  public var status: Status
  /// The spec the task was made from: a rollout is over when every running task has the service's.
  public var spec: DockerServiceSpec.TaskTemplate?

  enum CodingKeys: String, CodingKey { case id = "ID", nodeID = "NodeID", desiredState = "DesiredState", status = "Status", spec = "Spec" }
}

extension DockerEngineClient {
  /// Calls `GET /services` filtered by labels.
  public func listServices(labels: [String: String?] = [:]) async throws -> [DockerService] {
    let filters = Self.labelFilters(labels)
    let query: [(String, String)] = filters.isEmpty ? [] : [("filters", DockerJSON.filters(filters))]
    return try await json([DockerService].self, "GET", "/services", query: query)
  }

  /// Calls `POST /services/create`; returns the service's ID.
  public func createService(_ spec: DockerServiceSpec) async throws -> String {
    try await json(SwarmCreated.self, "POST", "/services/create", body: try DockerJSON.encode(spec)).id
  }

  /// Calls `POST /services/{id}/update?version=N`: Swarm rolls the change out to the tasks itself.
  public func updateService(_ id: String, version: Int, _ spec: DockerServiceSpec) async throws {
    try await call("POST", "/services/\(Self.segment(id))/update", query: [("version", String(version))], body: try DockerJSON.encode(spec))
  }

  /// Calls `DELETE /services/{id}`.
  public func removeService(_ id: String) async throws {
    try await call("DELETE", "/services/\(Self.segment(id))")
  }

  /// Calls `GET /tasks` for one service.
  public func listTasks(service: String) async throws -> [DockerTask] {
    try await json([DockerTask].self, "GET", "/tasks", query: [("filters", DockerJSON.filters(["service": [service]]))])
  }
}

/// A Swarm secret as `GET /secrets` lists it (never its data).
public struct DockerSecret: Decodable, Sendable {
  public struct Spec: Decodable, Sendable {
    public var name: String
    public var labels: [String: String]?
    enum CodingKeys: String, CodingKey { case name = "Name", labels = "Labels" }
  }
  public var id: String
  public var spec: Spec
  enum CodingKeys: String, CodingKey { case id = "ID", spec = "Spec" }
}

extension DockerEngineClient {
  /// Calls `GET /secrets` filtered by labels.
  public func listSecrets(labels: [String: String?]) async throws -> [DockerSecret] {
    try await json([DockerSecret].self, "GET", "/secrets", query: [("filters", DockerJSON.filters(Self.labelFilters(labels)))])
  }

  /// Calls `POST /secrets/create` with the data base64-encoded; returns the secret's ID.
  public func createSecret(name: String, data: [UInt8], labels: [String: String]) async throws -> String {
    struct Create: Encodable {
      var name: String
      var labels: [String: String]
      var data: String
      enum CodingKeys: String, CodingKey { case name = "Name", labels = "Labels", data = "Data" }
    }
    let body = try DockerJSON.encode(Create(name: name, labels: labels, data: Data(data).base64EncodedString()))
    return try await json(SwarmCreated.self, "POST", "/secrets/create", body: body).id
  }

  /// Calls `DELETE /secrets/{id}`.
  public func removeSecret(_ id: String) async throws {
    try await call("DELETE", "/secrets/\(Self.segment(id))")
  }
}

/// What the Swarm endpoints answer to a create: the new object's ID (`ID`, where the container endpoints say `Id`).
struct SwarmCreated: Decodable {
  var id: String
  enum CodingKeys: String, CodingKey { case id = "ID" }
}
