/// What an observer saw of one object, in the same attribute names its kind declares.
public struct Observation: Sendable, Hashable {
  public var exists: Bool
  /// Observed values keyed by attribute name. Content attributes hold the full text.
  public var attributes: [String: String]
  /// Runtime facts that are not attributes (`state: exited`, `health: unhealthy`).
  public var facts: [Fact: String]

  public init(exists: Bool, attributes: [String: String] = [:], facts: [Fact: String] = [:]) {
    self.exists = exists
    self.attributes = attributes
    self.facts = facts
  }

  public static let absent = Observation(exists: false)
}

/// What to look at: the desired spec when there is one, and the locator (from the spec or the state record).
public struct ObserveTarget: Sendable {
  public var id: ResourceID
  public var locator: [String: String]
  public var spec: (any ResourceSpec)?
  /// The project the object must belong to (`Project`); an object of another is not this resource's.
  public var project: String?
  /// The object taken over for this resource (`reconcile import`), which carries none of reconcile's labels.
  public var adopted: Adoption?
  /// The address the object's labels carry when it moved (`ResourceMove`): it is found under that one.
  public var formerly: ResourceID?

  public init(
    id: ResourceID, locator: [String: String], spec: (any ResourceSpec)?, project: String? = nil, adopted: Adoption? = nil, formerly: ResourceID? = nil
  ) {
    self.id = id
    self.locator = locator
    self.spec = spec
    self.project = project
    self.adopted = adopted
    self.formerly = formerly
  }
}

/// One snapshot of the host, read once before planning.
public struct ObservedState: Sendable {
  public var objects: [ResourceID: Observation]

  public init(_ objects: [ResourceID: Observation] = [:]) {
    self.objects = objects
  }

  public subscript(id: ResourceID) -> Observation {
    objects[id] ?? .absent
  }
}
