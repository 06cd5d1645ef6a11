import Foundation

extension DockerEngineClient {
  /// Lists networks carrying `labels`. Calls `GET /networks?filters=...`.
  public func listNetworks(labels: [String: String?] = [:]) async throws -> [DockerNetwork] {
    let filters = Self.labelFilters(labels)
    let query: [(String, String)] = filters.isEmpty ? [] : [("filters", DockerJSON.filters(filters))]
    return try await json([DockerNetwork].self, "GET", "/networks", query: query)
  }

  /// Calls `GET /networks/{id}`.
  public func inspectNetwork(_ id: String) async throws -> DockerNetwork {
    try await json(DockerNetwork.self, "GET", "/networks/\(Self.segment(id))")
  }

  /// Creates a network; returns its ID. Calls `POST /networks/create`.
  public func createNetwork(_ spec: DockerNetworkCreate) async throws -> String {
    return try await json(DockerJSON.Created.self, "POST", "/networks/create", body: try DockerJSON.encode(spec)).id
  }

  /// Calls `DELETE /networks/{id}`.
  public func removeNetwork(_ id: String) async throws {
    try await call("DELETE", "/networks/\(Self.segment(id))")
  }

  /// Attaches a container with `aliases`. Calls `POST /networks/{id}/connect`.
  public func connectNetwork(_ id: String, container: String, aliases: [String] = []) async throws {
    struct Body: Encodable {
      var container: String
      var endpointConfig: DockerContainerCreate.EndpointConfig
      enum CodingKeys: String, CodingKey { case container = "Container", endpointConfig = "EndpointConfig" }
    }
    let body = Body(container: container, endpointConfig: .init(aliases: aliases.isEmpty ? nil : aliases))
    try await call("POST", "/networks/\(Self.segment(id))/connect", body: try DockerJSON.encode(body))
  }

  /// Calls `POST /networks/{id}/disconnect`.
  public func disconnectNetwork(_ id: String, container: String, force: Bool = false) async throws {
    struct Body: Encodable {
      var container: String
      var force: Bool
      enum CodingKeys: String, CodingKey { case container = "Container", force = "Force" }
    }
    try await call(
      "POST", "/networks/\(Self.segment(id))/disconnect",
      body: try DockerJSON.encode(Body(container: container, force: force)))
  }
}
