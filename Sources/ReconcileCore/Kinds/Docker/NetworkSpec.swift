/// `network`: a Docker network (bridge by default), optionally internal.
public struct NetworkSpec: ResourceSpec {
  public let id: ResourceID
  public var driver: String?
  public var `internal`: Bool?

  public init(id: ResourceID, driver: String? = nil, internal: Bool? = nil) {
    self.id = id
    self.driver = driver
    self.internal = `internal`
  }

  /// The Engine name is the resource name.
  public var dockerName: String { id.name }
  public var locator: [String: String] { ["name": dockerName] }

  public var attributes: [Attribute] {
    var out: [Attribute] = []
    if let driver { out.append(Attribute("driver", driver, effect: .replace)) }
    if let `internal` { out.append(Attribute("internal", String(`internal`), effect: .replace)) }
    return out
  }

  public var configHash: String { DockerLabel.configHash(attributes, of: id) }

  public static let descriptor = KindDescriptor(name: "network") { id, r, _ in
    let driver = r.string("driver")
    let isInternal = r.bool("internal")
    if !DockerNames.isValidContainerName(id.name) { r.report("name", "expected a Docker network name, got '\(id.name)'") }
    return NetworkSpec(id: id, driver: driver, internal: isInternal)
  }
}

/// `volume`: a named Docker volume. Prune keeps volumes unless `apply --prune-volumes` says so.
public struct VolumeSpec: ResourceSpec {
  public let id: ResourceID
  public var driver: String?

  public init(id: ResourceID, driver: String? = nil) {
    self.id = id
    self.driver = driver
  }

  public var dockerName: String { id.name }
  public var locator: [String: String] { ["name": dockerName] }

  public var attributes: [Attribute] {
    driver.map { [Attribute("driver", $0, effect: .replace)] } ?? []
  }

  public var configHash: String { DockerLabel.configHash(attributes, of: id) }

  public static let keptReason = "volumes hold data, so they are kept; --prune-volumes removes them"

  public static let descriptor = KindDescriptor(name: "volume", keptOnPrune: keptReason) { id, r, _ in
    let driver = r.string("driver")
    if !DockerNames.isValidContainerName(id.name) { r.report("name", "expected a Docker volume name, got '\(id.name)'") }
    return VolumeSpec(id: id, driver: driver)
  }
}
