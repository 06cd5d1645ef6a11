import Foundation
import Essentials

extension DockerEngineClient {
  /// Lists containers (running and stopped) carrying `labels` (nil value = key only).
  /// Calls `GET /containers/json?all=1&filters=...`.
  public func listContainers(labels: [String: String?] = [:], all: Bool = true) async throws -> [DockerContainerSummary] {
    var query: [(String, String)] = [("all", all ? "1" : "0")]
    let filters = Self.labelFilters(labels)
    if !filters.isEmpty { query.append(("filters", DockerJSON.filters(filters))) }
    return try await json([DockerContainerSummary].self, "GET", "/containers/json", query: query)
  }

  /// The containers (managed or not) with these IDs. Calls `GET /containers/json` with an `id` filter.
  public func listContainers(ids: [String]) async throws -> [DockerContainerSummary] {
    let rows = try await json([DockerContainerSummary].self, "GET", "/containers/json", query: [("all", "1"), ("filters", DockerJSON.filters(["id": ids]))])
    return rows.filter { ids.contains($0.id) }
  }

  /// Every container (managed or not) whose name is exactly one of `names`. Calls `GET /containers/json` with a
  /// `name` filter (a regular expression on `/NAME`, anchored here).
  public func listContainers(named names: [String]) async throws -> [DockerContainerSummary] {
    let patterns = names.map { "^/" + $0.replacingOccurrences(of: ".", with: "\\.") + "$" }
    let rows = try await json(
      [DockerContainerSummary].self, "GET", "/containers/json", query: [("all", "1"), ("filters", DockerJSON.filters(["name": patterns]))])
    return rows.filter { names.contains($0.name) }
  }

  /// Calls `GET /containers/{id}/json`.
  public func inspectContainer(_ id: String) async throws -> DockerContainerInspect {
    try await json(DockerContainerInspect.self, "GET", "/containers/\(Self.segment(id))/json")
  }

  /// Restart policy and limits only, from `GET /containers/{id}/json`.
  public func inspectContainerLimits(_ id: String) async throws -> DockerContainerLimits {
    try await json(DockerContainerLimits.self, "GET", "/containers/\(Self.segment(id))/json")
  }

  /// Like `inspectContainer`, but nil when the Engine answers 404.
  public func inspectContainerIfPresent(_ id: String) async throws -> DockerContainerInspect? {
    do { return try await inspectContainer(id) } catch let error as DockerEngineError where error.isNotFound { return nil }
  }

  /// Creates a container named `name`; returns its ID. Calls `POST /containers/create?name=...`.
  public func createContainer(name: String, _ spec: DockerContainerCreate) async throws -> String {
    let body = try DockerJSON.encode(spec)
    return try await json(DockerJSON.Created.self, "POST", "/containers/create", query: [("name", name)], body: body).id
  }

  /// Calls `POST /containers/{id}/start`.
  public func startContainer(_ id: String) async throws {
    try await call("POST", "/containers/\(Self.segment(id))/start")
  }

  /// Stops with SIGTERM (or the container's stop signal), then SIGKILL after `timeout` seconds.
  /// Calls `POST /containers/{id}/stop?t=...`; the HTTP deadline covers the stop timeout.
  public func stopContainer(_ id: String, timeout: Int? = nil) async throws {
    try await stopping(id, "stop", timeout: timeout)
  }

  /// Stops (waiting `timeout` seconds before SIGKILL) and starts again.
  /// Calls `POST /containers/{id}/restart?t=...`.
  public func restartContainer(_ id: String, timeout: Int? = nil) async throws {
    try await stopping(id, "restart", timeout: timeout)
  }

  /// `POST /containers/{id}/ACTION?t=...` for an action that stops the container first: the HTTP deadline
  /// covers the stop timeout (the Engine's default is 10 s).
  private func stopping(_ id: String, _ action: String, timeout: Int?) async throws {
    let query: [(String, String)] = timeout.map { [("t", String($0))] } ?? []
    try await call(
      "POST", "/containers/\(Self.segment(id))/\(action)", query: query, timeout: requestTimeout + Double(timeout ?? 10))
  }

  /// Calls `POST /containers/{id}/unpause`.
  public func unpauseContainer(_ id: String) async throws {
    try await call("POST", "/containers/\(Self.segment(id))/unpause")
  }

  /// Calls `POST /containers/{id}/kill?signal=...`.
  public func killContainer(_ id: String, signal: String = "SIGKILL") async throws {
    try await call("POST", "/containers/\(Self.segment(id))/kill", query: [("signal", signal)])
  }

  /// Calls `DELETE /containers/{id}?force=...&v=...`. Named volumes are never removed by `v`.
  public func removeContainer(_ id: String, force: Bool = false, anonymousVolumes: Bool = false) async throws {
    try await call(
      "DELETE", "/containers/\(Self.segment(id))",
      query: [("force", force ? "1" : "0"), ("v", anonymousVolumes ? "1" : "0")])
  }

  /// Calls `POST /containers/{id}/rename?name=...`.
  public func renameContainer(_ id: String, to name: String) async throws {
    try await call("POST", "/containers/\(Self.segment(id))/rename", query: [("name", name)])
  }

  /// Changes restart policy and limits in place. Calls `POST /containers/{id}/update`.
  public func updateContainer(_ id: String, _ update: DockerContainerUpdate) async throws {
    try await call("POST", "/containers/\(Self.segment(id))/update", body: try DockerJSON.encode(update))
  }

  /// Waits until the container is `not-running` (or `next-exit`, `removed`); returns its exit code.
  /// Calls `POST /containers/{id}/wait?condition=...`.
  public func waitContainer(_ id: String, condition: String = "not-running", timeout: Double? = nil) async throws -> Int {
    struct Waited: Decodable {
      var statusCode: Int
      enum CodingKeys: String, CodingKey { case statusCode = "StatusCode" }
    }
    return try await json(
      Waited.self, "POST", "/containers/\(Self.segment(id))/wait", query: [("condition", condition)],
      timeout: timeout
    ).statusCode
  }

  /// Reads a container's logs frame by frame (stdout and stderr of a non-TTY container).
  /// `onFrame` returns false to stop. Calls `GET /containers/{id}/logs`.
  public func containerLogs(
    _ id: String, follow: Bool = false, tail: Int? = nil, since: Date? = nil, timeout: Double? = nil,
    onFrame: @escaping @Sendable (DockerLogFrame) -> Bool
  ) async throws {
    var query: [(String, String)] = [("stdout", "1"), ("stderr", "1"), ("follow", follow ? "1" : "0")]
    if let tail { query.append(("tail", String(tail))) }
    if let since { query.append(("since", String(Int(since.timeIntervalSince1970)))) }
    let request = try await request(
      "GET", "/containers/\(Self.segment(id))/logs", query: query, timeout: follow ? timeout : (timeout ?? requestTimeout))
    let demuxer = Locked(DockerLogDemuxer())
    try await stream(request) { chunk in
      for frame in demuxer.withLock({ $0.push(chunk) }) where !onFrame(frame) { return false }
      return true
    }
  }

  /// All logs so far as text (stdout and stderr interleaved). Calls `GET /containers/{id}/logs`.
  public func containerLogText(_ id: String, tail: Int? = nil) async throws -> String {
    let text = Locked(Data())
    try await containerLogs(id, tail: tail) { frame in
      text.withLock { $0.append(frame.payload) }
      return true
    }
    return String(decoding: text.withLock { $0 }, as: UTF8.self)
  }
}

/// Memory use and limit from one sample of `GET /containers/{id}/stats`.
public struct DockerMemoryStats: Decodable, Sendable {
  public struct Memory: Decodable, Sendable {
    public var usage: Int?
    public var limit: Int?
    public var stats: [String: Int]?

    /// What the docker CLI shows as used: the usage without the page cache the kernel can drop at once.
    public var used: Int? {
      guard let usage else { return nil }
      return usage - (stats?["inactive_file"] ?? stats?["total_inactive_file"] ?? 0)
    }
  }

  public var memoryStats: Memory?

  enum CodingKeys: String, CodingKey { case memoryStats = "memory_stats" }
}

extension DockerEngineClient {
  /// One stats sample, without waiting for a second one to compute CPU use.
  /// Calls `GET /containers/{id}/stats?stream=false&one-shot=true`.
  public func memoryStats(_ id: String) async throws -> DockerMemoryStats {
    try await json(DockerMemoryStats.self, "GET", "/containers/\(Self.segment(id))/stats", query: [("stream", "false"), ("one-shot", "true")])
  }
}
