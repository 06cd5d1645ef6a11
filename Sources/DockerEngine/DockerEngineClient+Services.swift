import Foundation

extension DockerEngineClient {
  /// Calls `GET /services` filtered by labels.
  public func listServices(labels: [String: String?] = [:]) async throws -> [DockerService] {
    let filters = Self.labelFilters(labels)
    let query: [(String, String)] = filters.isEmpty ? [] : [("filters", DockerJSON.filters(filters))]
    return try await json([DockerService].self, "GET", "/services", query: query)
  }

  /// Calls `POST /services/create`; returns the service's ID.
  public func createService(_ spec: DockerServiceSpec) async throws -> String {
    try await json(SwarmCreated.self, "POST", "/services/create", body: try DockerJSON.encode(spec)).id
  }

  /// Calls `POST /services/{id}/update?version=N`: Swarm rolls the change out to the tasks itself.
  public func updateService(_ id: String, version: Int, _ spec: DockerServiceSpec) async throws {
    try await call("POST", "/services/\(Self.segment(id))/update", query: [("version", String(version))], body: try DockerJSON.encode(spec))
  }

  /// Calls `DELETE /services/{id}`.
  public func removeService(_ id: String) async throws {
    try await call("DELETE", "/services/\(Self.segment(id))")
  }

  /// Calls `GET /tasks` for one service; oldest first (by their version in Swarm's store).
  public func listTasks(service: String) async throws -> [DockerTask] {
    try await listTasks(services: [service])
  }

  /// Calls `GET /tasks` once for several services; oldest first.
  public func listTasks(services: [String]) async throws -> [DockerTask] {
    guard !services.isEmpty else { return [] }
    return try await json([DockerTask].self, "GET", "/tasks", query: [("filters", DockerJSON.filters(["service": services]))])
      .sorted { ($0.version?.index ?? 0) < ($1.version?.index ?? 0) }
  }
}

/// A Swarm secret as `GET /secrets` lists it (never its data).
public struct DockerSecret: Decodable, Sendable {
  public struct Spec: Decodable, Sendable {
    public var name: String
    public var labels: [String: String]?
    enum CodingKeys: String, CodingKey { case name = "Name", labels = "Labels" }
  }
  public var id: String
  public var spec: Spec
  enum CodingKeys: String, CodingKey { case id = "ID", spec = "Spec" }
}

extension DockerEngineClient {
  /// Calls `GET /secrets` filtered by labels.
  public func listSecrets(labels: [String: String?]) async throws -> [DockerSecret] {
    try await json([DockerSecret].self, "GET", "/secrets", query: [("filters", DockerJSON.filters(Self.labelFilters(labels)))])
  }

  /// Calls `POST /secrets/create` with the data base64-encoded; returns the secret's ID.
  public func createSecret(name: String, data: [UInt8], labels: [String: String]) async throws -> String {
    struct Create: Encodable {
      var name: String
      var labels: [String: String]
      var data: String
      enum CodingKeys: String, CodingKey { case name = "Name", labels = "Labels", data = "Data" }
    }
    let body = try DockerJSON.encode(Create(name: name, labels: labels, data: Data(data).base64EncodedString()))
    return try await json(SwarmCreated.self, "POST", "/secrets/create", body: body).id
  }

  /// Calls `DELETE /secrets/{id}`.
  public func removeSecret(_ id: String) async throws {
    try await call("DELETE", "/secrets/\(Self.segment(id))")
  }
}

/// What the Swarm endpoints answer to a create: the new object's ID (`ID`, where the container endpoints say `Id`).
struct SwarmCreated: Decodable {
  var id: String
  enum CodingKeys: String, CodingKey { case id = "ID" }
}

extension DockerEngineClient {
  /// Calls `GET /nodes`: the Swarm's nodes (a manager's socket only).
  public func listNodes() async throws -> [DockerNode] {
    try await json([DockerNode].self, "GET", "/nodes")
  }

  /// Calls `POST /nodes/{id}/update?version=N` with the node's whole spec.
  public func updateNode(_ id: String, version: Int, _ spec: DockerNode.Spec) async throws {
    try await call("POST", "/nodes/\(Self.segment(id))/update", query: [("version", String(version))], body: try DockerJSON.encode(spec))
  }
}
