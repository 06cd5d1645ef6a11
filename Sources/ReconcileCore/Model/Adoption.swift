/// A Docker object reconcile took over instead of creating it (`reconcile import KIND/NAME`): the object's ID, and
/// the labels it would carry had reconcile created it. The Engine cannot relabel a container, so these labels live in
/// the state record; the observer reads them in place of the object's own, and they go when a replacement (which
/// carries real labels) takes the object's place.
public struct Adoption: Sendable, Codable, Hashable {
  /// The container's or network's ID; a volume's name (volumes have no other identity).
  public var objectID: String
  public var labels: [String: String]

  public init(objectID: String, labels: [String: String]) {
    self.objectID = objectID
    self.labels = labels
  }
}

/// One way an existing object differs from what the manifests declare: typed, rendered by `AdoptionReport`.
public struct AdoptionDifference: Sendable, Hashable {
  public var attribute: String
  /// The object's value (nil: it has none); never a secret's value when `sensitive`.
  public var live: String?
  /// The manifest's value (nil: the manifests declare none, so the object's would go).
  public var wanted: String?
  public var sensitive: Bool
  /// A file's content: compared, never shown here (the plan shows its lines).
  public var content: Bool

  public init(attribute: String, live: String?, wanted: String?, sensitive: Bool = false, content: Bool = false) {
    self.attribute = attribute
    self.live = live
    self.wanted = wanted
    self.sensitive = sensitive
    self.content = content
  }
}

/// What a look at an existing object found: the object, its differences from the manifests, and the adoption that
/// would record it (labels made from its own values, so a difference shows in the next plan as a change).
public struct AdoptionCheck: Sendable {
  public var id: ResourceID
  /// `container 3b96fc60cb6e (running)`.
  public var object: String
  public var differences: [AdoptionDifference]
  public var adoption: Adoption

  public init(id: ResourceID, object: String, differences: [AdoptionDifference], adoption: Adoption) {
    self.id = id
    self.object = object
    self.differences = differences
    self.adoption = adoption
  }
}
