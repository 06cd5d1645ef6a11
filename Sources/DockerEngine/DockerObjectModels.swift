import Foundation

/// One row of `GET /images/json`.
public struct DockerImageSummary: Decodable, Sendable {
  public var id: String
  public var repoTags: [String]?
  public var labels: [String: String]?
  public var created: Int
  public var size: Int

  enum CodingKeys: String, CodingKey {
    case id = "Id", repoTags = "RepoTags", labels = "Labels", created = "Created", size = "Size"
  }
}

/// `GET /images/{name}/json`: the fields the reconciler reads.
public struct DockerImageInspect: Decodable, Sendable {
  public struct Config: Decodable, Sendable {
    public var labels: [String: String]?
    public var env: [String]?
    public var cmd: [String]?
    public var entrypoint: [String]?
    public var user: String?
    public var workingDir: String?

    enum CodingKeys: String, CodingKey {
      case labels = "Labels", env = "Env", cmd = "Cmd", entrypoint = "Entrypoint", user = "User", workingDir = "WorkingDir"
    }
  }
  public var id: String
  public var repoTags: [String]?
  /// `repo@sha256:…` for each registry the image was pulled from or pushed to.
  public var repoDigests: [String]?
  public var created: String?
  public var config: Config?

  enum CodingKeys: String, CodingKey { case id = "Id", repoTags = "RepoTags", repoDigests = "RepoDigests", created = "Created", config = "Config" }
}

/// `GET /networks` and `GET /networks/{id}`.
public struct DockerNetwork: Decodable, Sendable {
  public struct Attached: Decodable, Sendable {
    public var name: String?

    enum CodingKeys: String, CodingKey { case name = "Name" }
  }
  public var id: String
  public var name: String
  public var driver: String
  public var `internal`: Bool
  public var labels: [String: String]?
  /// Filled by inspect only.
  public var containers: [String: Attached]?

  enum CodingKeys: String, CodingKey {
    case id = "Id", name = "Name", driver = "Driver", `internal` = "Internal", labels = "Labels", containers = "Containers"
  }
}

/// The body of `POST /networks/create`.
public struct DockerNetworkCreate: Encodable, Sendable {
  public var name: String
  public var driver: String
  public var `internal`: Bool
  public var labels: [String: String]
  public var checkDuplicate: Bool = true
  public init(name: String, driver: String = "bridge", internal: Bool = false, labels: [String: String] = [:]) {
    self.name = name
    self.driver = driver
    self.internal = `internal`
    self.labels = labels
  }

  enum CodingKeys: String, CodingKey {
    case name = "Name", driver = "Driver", `internal` = "Internal", labels = "Labels", checkDuplicate = "CheckDuplicate"
  }
}

/// A volume from `GET /volumes` or `GET /volumes/{name}`.
public struct DockerVolume: Decodable, Sendable {
  public var name: String
  public var driver: String
  public var mountpoint: String
  public var labels: [String: String]?
  public var createdAt: String?

  enum CodingKeys: String, CodingKey {
    case name = "Name", driver = "Driver", mountpoint = "Mountpoint", labels = "Labels", createdAt = "CreatedAt"
  }
}

/// The body of `POST /volumes/create`.
public struct DockerVolumeCreate: Encodable, Sendable {
  public var name: String
  public var driver: String
  public var labels: [String: String]
  public init(name: String, driver: String = "local", labels: [String: String] = [:]) {
    self.name = name
    self.driver = driver
    self.labels = labels
  }

  enum CodingKeys: String, CodingKey { case name = "Name", driver = "Driver", labels = "Labels" }
}

/// One message of `GET /events`.
public struct DockerEvent: Decodable, Sendable {
  public struct Actor: Decodable, Sendable {
    public var id: String
    public var attributes: [String: String]?

    enum CodingKeys: String, CodingKey { case id = "ID", attributes = "Attributes" }
  }
  /// `container`, `image`, `network`, `volume`, ...
  public var type: String
  /// `create`, `start`, `die`, `health_status: healthy`, ...
  public var action: String
  public var actor: Actor
  public var timeNano: Int?

  enum CodingKeys: String, CodingKey { case type = "Type", action = "Action", actor = "Actor", timeNano = "timeNano" }
}
