/// The merged, validated desired state: every resource in dependency order.
public struct Manifest: Sendable {
  /// Resources in a deterministic dependency order (dependencies first, ties by id).
  public let resources: [Resource]
  /// SHA-256 of the manifest files' bytes, in path order.
  public let digest: String
  /// The files read, relative as given.
  public let files: [String]
  /// `policy.selfHeal`: whether the controller corrects drift (true) or only reports it (false, the default).
  public let selfHeal: Bool
  /// Where alerts go (`alerts`).
  public let alerts: [AlertTarget]
  /// `project`: the name every Docker object of these manifests carries; nil derives one from the state.
  public let project: String?
  /// Generations kept, rollback on failure, post-apply checks.
  public let release: ReleasePolicy
  /// The files as read: what a generation keeps.
  public let sources: [ManifestSource]
  /// The variables given from outside the files (`--environment`, `--var-file`, `--var`) as they applied: a
  /// generation keeps them with the files, and they are part of `digest`.
  public let overrides: [String: String]
  /// `moved`: resources with a new address, their records and objects going with them.
  public var moved: [ResourceMove] = []
  private let index: [ResourceID: Int]

  public init(
    resources: [Resource], digest: String, files: [String], selfHeal: Bool = false, alerts: [AlertTarget] = [], project: String? = nil,
    release: ReleasePolicy = ReleasePolicy(), sources: [ManifestSource] = [], overrides: [String: String] = [:]
  ) {
    self.overrides = overrides
    self.project = project
    self.release = release
    self.sources = sources
    self.resources = resources
    self.digest = digest
    self.files = files
    self.selfHeal = selfHeal
    self.alerts = alerts
    var index: [ResourceID: Int] = [:]
    for (i, r) in resources.enumerated() { index[r.id] = i }
    self.index = index
  }

  /// The same manifests with other specs for the same resources (a rollback pins its images).
  public func replacing(resources: [Resource]) -> Manifest {
    var m = Manifest(
      resources: resources, digest: digest, files: files, selfHeal: selfHeal, alerts: alerts, project: project, release: release, sources: sources,
      overrides: overrides)
    m.moved = moved
    return m
  }

  /// The same manifests as another project's (an environment's own).
  public func renamed(project: String) -> Manifest {
    var m = Manifest(
      resources: resources, digest: digest, files: files, selfHeal: selfHeal, alerts: alerts, project: project, release: release, sources: sources,
      overrides: overrides)
    m.moved = moved
    return m
  }

  public subscript(id: ResourceID) -> Resource? {
    index[id].map { resources[$0] }
  }

  public func contains(_ id: ResourceID) -> Bool { index[id] != nil }

  /// Whether the controller may correct drift of this resource.
  public func selfHeals(_ id: ResourceID) -> Bool { self[id]?.selfHeal ?? selfHeal }
}
