import Foundation
import Essentials

extension DockerEngineClient {
  /// Streams Engine events matching `filters` (`["type": ["container"], "label": [...]]`),
  /// one decoded event per line, until `onEvent` returns false, `until` passes, or the task is
  /// cancelled. Calls `GET /events`.
  public func events(
    filters: [String: [String]] = [:], since: Date? = nil, until: Date? = nil,
    onEvent: @escaping @Sendable (DockerEvent) -> Bool
  ) async throws {
    var query: [(String, String)] = []
    if !filters.isEmpty { query.append(("filters", DockerJSON.filters(filters))) }
    if let since { query.append(("since", String(format: "%.9f", since.timeIntervalSince1970))) }
    if let until { query.append(("until", String(format: "%.9f", until.timeIntervalSince1970))) }
    let request = try await request("GET", "/events", query: query, timeout: nil)
    let splitter = Locked(DockerLineSplitter())
    try await stream(request) { chunk in
      for line in splitter.withLock({ $0.push(chunk) }) {
        guard let event = try? DockerJSON.decoder.decode(DockerEvent.self, from: line) else { continue }
        if !onEvent(event) { return false }
      }
      return true
    }
  }

  /// Streams a tar of `path` inside a container, chunk by chunk (volume backups).
  /// Calls `GET /containers/{id}/archive?path=...`.
  public func archive(
    container id: String, path: String, timeout: Double? = 600, onChunk: @escaping @Sendable (Data) -> Bool
  ) async throws {
    let request = try await request(
      "GET", "/containers/\(Self.segment(id))/archive", query: [("path", path)], timeout: timeout)
    try await stream(request, onChunk: onChunk)
  }

  /// The whole tar of `path` inside a container. Calls `GET /containers/{id}/archive?path=...`.
  public func archiveData(container id: String, path: String) async throws -> Data {
    let data = Locked(Data())
    try await archive(container: id, path: path) { chunk in
      data.withLock { $0.append(chunk) }
      return true
    }
    return data.withLock { $0 }
  }
}
