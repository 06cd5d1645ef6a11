/// The merged, validated desired state: every resource in dependency order.
public struct Manifest: Sendable {
  /// Resources in a deterministic dependency order (dependencies first, ties by id).
  public let resources: [Resource]
  /// SHA-256 of the manifest files' bytes, in path order.
  public let digest: String
  /// The files read, relative as given.
  public let files: [String]
  private let index: [ResourceID: Int]

  public init(resources: [Resource], digest: String, files: [String]) {
    self.resources = resources
    self.digest = digest
    self.files = files
    var index: [ResourceID: Int] = [:]
    for (i, r) in resources.enumerated() { index[r.id] = i }
    self.index = index
  }

  public subscript(id: ResourceID) -> Resource? {
    index[id].map { resources[$0] }
  }

  public func contains(_ id: ResourceID) -> Bool { index[id] != nil }
}
