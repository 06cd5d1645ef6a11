import Foundation

/// What the state store remembers of one applied resource. No secret in clear: sensitive values are keyed hashes.
public struct ResourceRecord: Sendable, Codable, Hashable {
  public var id: ResourceID
  public var locator: [String: String]
  /// Record form of each attribute: inline values verbatim, content as `sha256:…`, secrets as `hmac-sha256:…`.
  public var attributes: [String: String]
  public var dependsOn: [ResourceID]
  public var appliedAt: Date
  /// Digest of the record form of the desired spec: equal fingerprints mean the manifest did not change.
  public var fingerprint: String
  /// Recorded when a create began, not when it ended (journaled before the object exists, kept after a failed
  /// create): whatever the create left behind is tracked, and removed once the manifests no longer declare it.
  public var provisional: Bool?
  /// Set when the object was taken over, not created (`reconcile import`): its identity and the labels it lacks.
  public var adopted: Adoption?
  /// The address the object was made under, which its labels still carry, after a move (`ResourceMove`).
  public var formerly: ResourceID?

  public init(
    id: ResourceID, locator: [String: String], attributes: [String: String], dependsOn: [ResourceID], appliedAt: Date,
    fingerprint: String, provisional: Bool? = nil, adopted: Adoption? = nil
  ) {
    self.id = id
    self.locator = locator
    self.attributes = attributes
    self.dependsOn = dependsOn
    self.appliedAt = appliedAt
    self.fingerprint = fingerprint
    self.provisional = provisional
    self.adopted = adopted
  }
}

/// The state store's content: the inventory of managed resources, versioned by serial and lineage.
public struct StateSnapshot: Sendable, Codable {
  public static let formatVersion = 1
  public var version: Int
  public var lineage: String
  public var serial: Int
  public var lastApply: ApplyStamp?
  public var resources: [ResourceID: ResourceRecord]

  public init(lineage: String, serial: Int = 0, lastApply: ApplyStamp? = nil, resources: [ResourceID: ResourceRecord] = [:]) {
    self.version = Self.formatVersion
    self.lineage = lineage
    self.serial = serial
    self.lastApply = lastApply
    self.resources = resources
  }

  enum CodingKeys: String, CodingKey { case version, lineage, serial, lastApply, resources }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    version = try c.decode(Int.self, forKey: .version)
    lineage = try c.decode(String.self, forKey: .lineage)
    serial = try c.decode(Int.self, forKey: .serial)
    lastApply = try c.decodeIfPresent(ApplyStamp.self, forKey: .lastApply)
    let list = try c.decode([ResourceRecord].self, forKey: .resources)
    resources = Dictionary(list.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(version, forKey: .version)
    try c.encode(lineage, forKey: .lineage)
    try c.encode(serial, forKey: .serial)
    try c.encodeIfPresent(lastApply, forKey: .lastApply)
    try c.encode(resources.values.sorted { $0.id < $1.id }, forKey: .resources)
  }
}

/// When and from what the inventory was last applied.
public struct ApplyStamp: Sendable, Codable, Hashable {
  public var time: Date
  public var manifestDigest: String
  public var revision: String?
  public var outcome: String

  public init(time: Date, manifestDigest: String, revision: String?, outcome: String) {
    self.time = time
    self.manifestDigest = manifestDigest
    self.revision = revision
    self.outcome = outcome
  }
}
