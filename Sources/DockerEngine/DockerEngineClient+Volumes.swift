import Foundation

extension DockerEngineClient {
  /// Lists volumes carrying `labels`. Calls `GET /volumes?filters=...`.
  public func listVolumes(labels: [String: String?] = [:]) async throws -> [DockerVolume] {
    struct Listing: Decodable {
      var volumes: [DockerVolume]?
      enum CodingKeys: String, CodingKey { case volumes = "Volumes" }
    }
    let filters = Self.labelFilters(labels)
    let query: [(String, String)] = filters.isEmpty ? [] : [("filters", DockerJSON.filters(filters))]
    return try await json(Listing.self, "GET", "/volumes", query: query).volumes ?? []
  }

  /// Calls `GET /volumes/{name}`.
  public func inspectVolume(_ name: String) async throws -> DockerVolume {
    try await json(DockerVolume.self, "GET", "/volumes/\(Self.segment(name))")
  }

  /// Creates a volume (the Engine answers 201 with the existing one if the name is taken).
  /// Calls `POST /volumes/create`.
  @discardableResult
  public func createVolume(_ spec: DockerVolumeCreate) async throws -> DockerVolume {
    try await json(DockerVolume.self, "POST", "/volumes/create", body: try DockerJSON.encode(spec))
  }

  /// Calls `DELETE /volumes/{name}?force=...`.
  public func removeVolume(_ name: String, force: Bool = false) async throws {
    try await call("DELETE", "/volumes/\(Self.segment(name))", query: [("force", force ? "1" : "0")])
  }
}
