/// A container as the Engine reports it, in the container spec's own terms: read by the Docker driver from the
/// container's inspect and its image's defaults, for `ContainerAdoption` to hold against a spec.
public struct LiveContainer: Sendable {
  /// What the image gives a container that says nothing of its own.
  public struct ImageDefaults: Sendable {
    public var command: [String]
    public var entrypoint: [String]
    public var env: [String: String]
    public var user: String
    public var workingDir: String

    public init(command: [String], entrypoint: [String], env: [String: String], user: String, workingDir: String) {
      self.command = command
      self.entrypoint = entrypoint
      self.env = env
      self.user = user
      self.workingDir = workingDir
    }
  }

  public var id: String
  public var state: String
  /// `Config.Image`: the reference the container was created from, normalised (`busybox` -> `busybox:latest`).
  public var image: String
  public var command: [String]
  public var entrypoint: [String]
  public var env: [String: String]
  public var ports: [PortMapping] = []
  /// Named volumes and binds; the anonymous volumes of the image's `VOLUME`s are left out.
  public var mounts: [ContainerSpec.Mount] = []
  /// Each network with the aliases asked for (the Engine's own alias, the short ID, left out).
  public var networks: [ContainerSpec.NetworkAttachment] = []
  public var healthcheck: ContainerSpec.Healthcheck?
  public var user: String
  public var workingDir: String
  public var labels: [String: String] = [:]
  public var initProcess = false
  public var readOnlyRootfs = false
  public var capDrop: [String] = []
  public var stopSignal: String?
  public var stopTimeout: Int?
  public var log: ContainerSpec.LogConfig?
  public var defaults: ImageDefaults

  public init(
    id: String, state: String, image: String, command: [String], entrypoint: [String], env: [String: String], user: String, workingDir: String,
    defaults: ImageDefaults
  ) {
    self.id = id
    self.state = state
    self.image = image
    self.command = command
    self.entrypoint = entrypoint
    self.env = env
    self.user = user
    self.workingDir = workingDir
    self.defaults = defaults
  }

  /// The environment the container has beyond its image's (a variable the image sets to the same value is the image's).
  var ownEnv: [String: String] { env.filter { defaults.env[$0.key] != $0.value } }
}

/// Holds a running container that reconcile did not create against the spec that would manage it: every attribute that
/// forces a replacement, compared in the spec's canonical spelling, and what the container has that the spec does not
/// declare. The adoption's labels are made from the container's own values, so a difference accepted at import shows
/// in the next plan as the replacement it causes.
public enum ContainerAdoption {
  public static func check(_ spec: ContainerSpec, _ live: LiveContainer, project: String?) -> AdoptionCheck {
    var differences: [AdoptionDifference] = []
    var liveAttributes: [Attribute] = []
    let wanted = spec.attributes.filter { $0.effect == .replace }
    for a in wanted {
      let value = liveValue(a.name, spec: spec, live: live, wanted: a.value)
      if let value { liveAttributes.append(Attribute(a.name, value, sensitive: a.isSensitive, effect: .replace)) }
      if value != a.value {
        differences.append(AdoptionDifference(attribute: a.name, live: value, wanted: a.value, sensitive: a.isSensitive))
      }
    }
    differences += undeclared(spec, live, declared: Set(wanted.map(\.name)))
    if spec.replicas > 1 {
      differences.append(AdoptionDifference(attribute: "replicas", live: "1", wanted: String(spec.replicas)))
    }
    if live.state != "running", spec.state == .running {
      differences.append(AdoptionDifference(attribute: "state", live: live.state, wanted: "running"))
    }
    var labels = DockerLabel.base(spec.id, hash: DockerLabel.configHash(liveAttributes, of: spec.id))
    labels[DockerLabel.spec] = DockerLabel.specValue(liveAttributes, of: spec.id)
    labels[DockerLabel.imageRef] = sameImage(spec, live) ? (spec.imageReference ?? spec.image.text) : live.image
    if let project { labels[DockerLabel.project] = project }
    return AdoptionCheck(
      id: spec.id, object: "container \(live.id.prefix(12)) (\(live.state))", differences: differences,
      adoption: Adoption(objectID: live.id, labels: labels))
  }

  static func sameImage(_ spec: ContainerSpec, _ live: LiveContainer) -> Bool {
    ImageReferenceText.normalized(spec.imageReference ?? spec.image.text) == live.image
  }

  /// The container's value of attribute `name` in the spec's spelling (nil: it has none). Lists that hold the same
  /// items are spelled in the manifest's order.
  static func liveValue(_ name: String, spec: ContainerSpec, live: LiveContainer, wanted: String) -> String? {
    func sameItems(_ items: [String], declared: [String]) -> String? {
      if items.isEmpty { return nil }
      return Set(items) == Set(declared) ? wanted : items.sorted().joined(separator: ", ")
    }
    if name.hasPrefix("env.") { return live.env[String(name.dropFirst(4))] }
    switch name {
    case "image": return sameImage(spec, live) ? spec.image.text : live.image
    case "command": return CommandText.canonical(live.command)
    case "entrypoint": return CommandText.canonical(live.entrypoint)
    case "env": return Set(live.ownEnv.keys).union(spec.env.keys.filter { live.env[$0] != nil }).sorted().joined(separator: ", ")
    case "ports": return sameItems(live.ports.map(\.canonical), declared: spec.ports.map(\.canonical))
    case "mounts": return sameItems(live.mounts.map(\.canonical), declared: spec.mounts.map(\.canonical))
    case "networks": return sameItems(live.networks.map(\.canonical), declared: spec.networks.map(\.canonical))
    case "capDrop": return sameItems(live.capDrop, declared: spec.capDrop)
    case "healthcheck": return live.healthcheck?.canonical
    case "user": return live.user.isEmpty ? nil : live.user
    case "workingDir": return live.workingDir.isEmpty ? nil : live.workingDir
    case "labels":
      let pairs = spec.labels.keys.sorted().compactMap { k in live.labels[k].map { "\(k)=\($0)" } }
      return pairs.isEmpty ? nil : pairs.joined(separator: ", ")
    case "init": return String(live.initProcess)
    case "readOnlyRootfs": return String(live.readOnlyRootfs)
    case "stopSignal": return live.stopSignal ?? "SIGTERM"
    case "stopTimeout": return "\(live.stopTimeout ?? 10)s"
    case "log": return live.log?.canonical
    default: return nil
    }
  }

  /// What the container has that the spec leaves to the defaults: reconcile would create it without.
  static func undeclared(_ spec: ContainerSpec, _ live: LiveContainer, declared: Set<String>) -> [AdoptionDifference] {
    var out: [AdoptionDifference] = []
    func check(_ name: String, _ value: String, unless isDefault: Bool) {
      if !declared.contains(name), !isDefault { out.append(AdoptionDifference(attribute: name, live: value, wanted: nil)) }
    }
    check("command", CommandText.canonical(live.command), unless: live.command == live.defaults.command)
    check("entrypoint", CommandText.canonical(live.entrypoint), unless: live.entrypoint == live.defaults.entrypoint)
    check("env", live.ownEnv.keys.sorted().joined(separator: ", "), unless: live.ownEnv.isEmpty)
    check("ports", live.ports.map(\.canonical).sorted().joined(separator: ", "), unless: live.ports.isEmpty)
    check("mounts", live.mounts.map(\.canonical).sorted().joined(separator: ", "), unless: live.mounts.isEmpty)
    let networks = live.networks.map(\.canonical).sorted()
    check("networks", networks.joined(separator: ", "), unless: networks == ["bridge"] || networks.isEmpty)
    check("user", live.user, unless: live.user == live.defaults.user)
    check("workingDir", live.workingDir, unless: live.workingDir == live.defaults.workingDir)
    check("init", "true", unless: !live.initProcess)
    check("readOnlyRootfs", "true", unless: !live.readOnlyRootfs)
    check("capDrop", live.capDrop.sorted().joined(separator: ", "), unless: live.capDrop.isEmpty)
    return out
  }
}

/// Image references in the Engine's `RepoTags` spelling.
public enum ImageReferenceText {
  /// `busybox` -> `busybox:latest`; `local/x:1` unchanged; digests unchanged.
  public static func normalized(_ reference: String) -> String {
    if reference.contains("@") { return reference }
    let lastSegment = reference.split(separator: "/").last ?? ""
    return lastSegment.contains(":") ? reference : reference + ":latest"
  }
}

/// Networks and volumes taken over: their few attributes are read from the Engine at every observation, so a check
/// compares the declared ones, and the adoption carries only the identity labels.
public enum ObjectAdoption {
  public static func network(_ spec: NetworkSpec, objectID: String, driver: String, internal isInternal: Bool, project: String?) -> AdoptionCheck {
    var differences: [AdoptionDifference] = []
    if let want = spec.driver, want != driver { differences.append(AdoptionDifference(attribute: "driver", live: driver, wanted: want)) }
    if let want = spec.internal, want != isInternal {
      differences.append(AdoptionDifference(attribute: "internal", live: String(isInternal), wanted: String(want)))
    }
    return AdoptionCheck(
      id: spec.id, object: "network \(objectID.prefix(12))", differences: differences,
      adoption: Adoption(objectID: objectID, labels: labels(spec.id, hash: spec.configHash, project: project)))
  }

  public static func volume(_ spec: VolumeSpec, driver: String, project: String?) -> AdoptionCheck {
    var differences: [AdoptionDifference] = []
    if let want = spec.driver, want != driver { differences.append(AdoptionDifference(attribute: "driver", live: driver, wanted: want)) }
    return AdoptionCheck(
      id: spec.id, object: "volume \(spec.dockerName)", differences: differences,
      adoption: Adoption(objectID: spec.dockerName, labels: labels(spec.id, hash: spec.configHash, project: project)))
  }

  static func labels(_ id: ResourceID, hash: String, project: String?) -> [String: String] {
    var labels = DockerLabel.base(id, hash: hash)
    if let project { labels[DockerLabel.project] = project }
    return labels
  }
}
