import Foundation

/// `HostConfig` of a container: sent in `POST /containers/create` and read back from
/// `GET /containers/{id}/json`, one type both ways so the two can never drift apart.
public struct DockerHostConfig: Codable, Sendable {
  /// One published port: `HostIp`, `HostPort`.
  public struct PortBinding: Codable, Sendable, Equatable {
    public var hostIp: String
    public var hostPort: String
    public init(hostIp: String, hostPort: String) {
      self.hostIp = hostIp
      self.hostPort = hostPort
    }
    enum CodingKeys: String, CodingKey { case hostIp = "HostIp", hostPort = "HostPort" }
  }

  /// One entry of `Mounts`: made by `volume` or `bind`, read back as the Engine reports it.
  public struct Mount: Codable, Sendable, Equatable {
    /// `volume` or `bind` (the Engine may report others, e.g. `tmpfs`, without a source).
    public var type: String
    public var source: String
    public var target: String
    public var readOnly: Bool

    /// The named volume `name` at `target`.
    public static func volume(_ name: String, at target: String, readOnly: Bool) -> Mount {
      Mount(type: "volume", source: name, target: target, readOnly: readOnly)
    }

    /// The host path `path` at `target`.
    public static func bind(_ path: String, at target: String, readOnly: Bool) -> Mount {
      Mount(type: "bind", source: path, target: target, readOnly: readOnly)
    }

    enum CodingKeys: String, CodingKey { case type = "Type", source = "Source", target = "Target", readOnly = "ReadOnly" }
  }

  /// `LogConfig`: the log driver and its options.
  public struct LogConfig: Codable, Sendable {
    public var type: String
    public var config: [String: String]?
    public init(type: String, config: [String: String]?) {
      self.type = type
      self.config = config
    }
    enum CodingKeys: String, CodingKey { case type = "Type", config = "Config" }
  }

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
    case mounts = "Mounts", portBindings = "PortBindings", restartPolicy = "RestartPolicy", memory = "Memory"
    case nanoCpus = "NanoCpus", pidsLimit = "PidsLimit", init_ = "Init", readonlyRootfs = "ReadonlyRootfs"
    case capDrop = "CapDrop", logConfig = "LogConfig", networkMode = "NetworkMode"
  }
}

/// `HostConfig.RestartPolicy`.
public struct DockerRestartPolicy: Codable, Sendable, Equatable {
  public var name: String
  public var maximumRetryCount: Int?
  public init(name: String, maximumRetryCount: Int? = nil) {
    self.name = name
    self.maximumRetryCount = maximumRetryCount
  }
  enum CodingKeys: String, CodingKey { case name = "Name", maximumRetryCount = "MaximumRetryCount" }
}

extension DockerHostConfig.Mount {
  /// The Engine omits `Source` (tmpfs) and a false `ReadOnly`.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      type: try c.decode(String.self, forKey: .type), source: try c.decodeIfPresent(String.self, forKey: .source) ?? "",
      target: try c.decode(String.self, forKey: .target), readOnly: try c.decodeIfPresent(Bool.self, forKey: .readOnly) ?? false)
  }
}
