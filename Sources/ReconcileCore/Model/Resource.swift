import Foundation

/// What a kind declares about one desired resource. Pure data: no I/O.
public protocol ResourceSpec: Sendable {
  var id: ResourceID { get }
  /// Edges the kind implies (a container on its image, a site on its upstream).
  var implicitDependencies: [ResourceID] { get }
  /// Edges the other way: resources that must wait for this one (a certificate whose HTTP-01 challenge this site serves).
  var dependents: [ResourceID] { get }
  /// Resources whose change this one must pick up without changing itself: when one of them has a step, the plan
  /// refreshes this resource after it (a site's server reloads after its certificate is issued or renewed).
  var refreshedBy: [ResourceID] { get }
  /// What refreshing does, as the plan shows it: `reload nginx at /var/lib/reconcile/nginx`.
  var refreshAction: String { get }
  /// Desired attributes in display order: only what the manifest declares is compared.
  var attributes: [Attribute] { get }
  /// What an observer needs to find the object on the host (e.g. `path`); kept in state so prune can find it.
  var locator: [String: String] { get }
  /// The path it claims in the host's one namespace of files and directories (`PathClaims`); nil for other kinds.
  var claimedPath: String? { get }
  /// True for `ensure: absent`: the object must not exist.
  var wantsAbsent: Bool { get }
  /// Backups taken (verified, pinned) before the object is replaced or removed (`backupBefore`).
  var backupsFirst: [ResourceID] { get }
  /// How a replacement goes, when the plan should say it (a container whose traffic moves without a gap).
  var replacementNote: Reason? { get }
  /// Kind-specific findings beyond attribute comparison (a stopped container, an expiring certificate, an image
  /// about to be rebuilt under a container).
  func findings(observed: Observation, context: FindingContext) -> [Finding]
}

extension ResourceSpec {
  public var claimedPath: String? { nil }
  public var implicitDependencies: [ResourceID] { [] }
  public var dependents: [ResourceID] { [] }
  public var refreshedBy: [ResourceID] { [] }
  public var refreshAction: String { "refresh" }
  public var wantsAbsent: Bool { false }
  public var backupsFirst: [ResourceID] { [] }
  public var replacementNote: Reason? { nil }
  public func findings(observed: Observation, context: FindingContext) -> [Finding] { [] }
}

/// Something a kind noticed on the host that needs an action: a typed signal, what it costs, and the field change
/// the plan shows for it.
public struct Finding: Sendable, Hashable {
  public var signal: Signal
  public var effect: Attribute.Effect
  public var change: FieldChange?

  public init(_ signal: Signal, effect: Attribute.Effect, change: FieldChange? = nil) {
    self.signal = signal
    self.effect = effect
    self.change = change
  }

  /// The reason as the plan shows it.
  public var reason: String { signal.reason }
}

/// Where a resource was declared, for error messages.
public struct Origin: Sendable, Hashable {
  public var file: String
  public var index: Int

  public var path: String { "resources[\(index)]" }
}

/// A desired resource: its spec, every edge (explicit `dependsOn` and implicit), and where it was declared.
public struct Resource: Sendable {
  public let spec: any ResourceSpec
  public let dependsOn: [ResourceID]
  public let origin: Origin
  /// The resource's own drift policy for the controller; nil follows the manifests' `policy.selfHeal`.
  public let selfHeal: Bool?
  /// Dependencies declared with `"condition": "healthy"`: containers that must be healthy before this one is made.
  public var healthGates: [HealthGate] = []

  public var id: ResourceID { spec.id }

  public init(spec: any ResourceSpec, dependsOn: [ResourceID], origin: Origin, selfHeal: Bool? = nil, healthGates: [HealthGate] = []) {
    self.spec = spec
    self.dependsOn = dependsOn
    self.origin = origin
    self.selfHeal = selfHeal
    self.healthGates = healthGates
  }

  /// The same resource with another spec for it (a rollback pins an image).
  public func replacing(spec: any ResourceSpec) -> Resource {
    Resource(spec: spec, dependsOn: dependsOn, origin: origin, selfHeal: selfHeal, healthGates: healthGates)
  }

  /// The same resource with more edges (those not there yet).
  public func adding(dependencies more: [ResourceID]) -> Resource {
    Resource(spec: spec, dependsOn: dependsOn + more.filter { !dependsOn.contains($0) }, origin: origin, selfHeal: selfHeal, healthGates: healthGates)
  }
}

/// `{ "resource": "container/db", "condition": "healthy" }` in `dependsOn` (compose's `service_healthy`): the
/// dependent is created or replaced only once that container reports healthy, waiting up to its `healthyWithin`.
public struct HealthGate: Sendable, Hashable {
  public var id: ResourceID
  /// What the driver finds the container by (its locator), and how long to wait.
  public var locator: [String: String]
  public var within: Double

  public init(id: ResourceID, locator: [String: String] = [:], within: Double = 60) {
    self.id = id
    self.locator = locator
    self.within = within
  }
}
