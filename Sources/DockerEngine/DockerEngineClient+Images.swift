import Foundation
import Essentials

extension DockerEngineClient {
  /// Lists images carrying `labels` and matching `reference` (`local/busybox`, `local/*:1`).
  /// Calls `GET /images/json?filters=...`.
  public func listImages(labels: [String: String?] = [:], reference: String? = nil) async throws -> [DockerImageSummary] {
    var filters = Self.labelFilters(labels)
    if let reference { filters["reference"] = [reference] }
    var query: [(String, String)] = []
    if !filters.isEmpty { query.append(("filters", DockerJSON.filters(filters))) }
    return try await json([DockerImageSummary].self, "GET", "/images/json", query: query)
  }

  /// Calls `GET /images/{name}/json`.
  public func inspectImage(_ reference: String) async throws -> DockerImageInspect {
    try await json(DockerImageInspect.self, "GET", "/images/\(Self.segment(reference))/json")
  }

  /// Like `inspectImage`, but nil when the Engine answers 404.
  public func inspectImageIfPresent(_ reference: String) async throws -> DockerImageInspect? {
    do { return try await inspectImage(reference) } catch let error as DockerEngineError where error.isNotFound { return nil }
  }

  /// Builds an image from a context tar (with the Dockerfile inside it); returns the image ID.
  /// Build output lines go to `onOutput` as they arrive. Calls `POST /build` (application/x-tar).
  @discardableResult
  public func buildImage(
    context: Data, tag: String, dockerfile: String = "Dockerfile", labels: [String: String] = [:],
    timeout: Double? = 600, onOutput: @escaping @Sendable (String) -> Void = { _ in }
  ) async throws -> String {
    var query: [(String, String)] = [("t", tag), ("dockerfile", dockerfile), ("rm", "1"), ("forcerm", "1")]
    if !labels.isEmpty {
      let data = try JSONSerialization.data(withJSONObject: labels, options: [.sortedKeys])
      query.append(("labels", String(decoding: data, as: UTF8.self)))
    }
    let request = try await request(
      "POST", "/build", query: query, body: context, contentType: "application/x-tar", timeout: timeout)
    let progress = try await progressStream(request, onOutput: onOutput)
    if let id = progress.auxID { return id }
    // Older engines print only "Successfully built <short id>"; ask for the full ID.
    return try await inspectImage(tag).id
  }

  /// Imports a root filesystem tar as `repo:tag`; `changes` are Dockerfile instructions
  /// (`LABEL k=v`, `CMD ["/bin/sh"]`). Returns the image ID. Calls `POST /images/create?fromSrc=-`.
  @discardableResult
  public func importImage(
    rootfs: Data, repo: String, tag: String, changes: [String] = [], timeout: Double? = 600
  ) async throws -> String {
    var query: [(String, String)] = [("fromSrc", "-"), ("repo", repo), ("tag", tag)]
    for change in changes { query.append(("changes", change)) }
    let request = try await request(
      "POST", "/images/create", query: query, body: rootfs, contentType: "application/x-tar", timeout: timeout)
    let progress = try await progressStream(request, onOutput: { _ in })
    if let status = progress.lastStatus, status.hasPrefix("sha256:") { return status }
    return try await inspectImage("\(repo):\(tag)").id
  }

  /// Pulls `reference` from its registry. Calls `POST /images/create?fromImage=...`.
  public func pullImage(_ reference: String, auth: RegistryAuth? = nil, timeout: Double? = 600) async throws {
    var request = try await request("POST", "/images/create", query: [("fromImage", reference)], body: Data(), contentType: "text/plain", timeout: timeout)
    if let auth { request.headers = [("X-Registry-Auth", auth.header)] }
    _ = try await progressStream(request, onOutput: { _ in })
  }

  /// Pushes `repository:tag` to its registry. The Engine wants `X-Registry-Auth` even without credentials (then an
  /// empty object). Calls `POST /images/{name}/push?tag=`.
  public func pushImage(repository: String, tag: String, auth: RegistryAuth? = nil, timeout: Double? = 600) async throws {
    var request = try await request(
      "POST", "/images/\(Self.segment(repository))/push", query: [("tag", tag)], body: Data(), contentType: "text/plain", timeout: timeout)
    request.headers = [("X-Registry-Auth", auth?.header ?? RegistryAuth.anonymous)]
    _ = try await progressStream(request, onOutput: { _ in })
  }

  /// The digest the registry has for `reference` now, asked through the Engine (it speaks to the registry, with
  /// the credentials given). Calls `GET /distribution/{name}/json`.
  public func registryDigest(_ reference: String, auth: RegistryAuth? = nil) async throws -> String {
    struct Answer: Decodable {
      struct Descriptor: Decodable {
        var digest: String
      }
      var descriptor: Descriptor
      enum CodingKeys: String, CodingKey { case descriptor = "Descriptor" }
    }
    var request = try await request("GET", "/distribution/\(Self.segment(reference))/json")
    if let auth { request.headers = [("X-Registry-Auth", auth.header)] }
    let response = try await send(request)
    return try DockerJSON.decode(Answer.self, from: response.body, call: request.call).descriptor.digest
  }

  /// Calls `POST /images/{name}/tag?repo=...&tag=...`.
  public func tagImage(_ reference: String, repo: String, tag: String) async throws {
    try await call("POST", "/images/\(Self.segment(reference))/tag", query: [("repo", repo), ("tag", tag)])
  }

  /// Removes a tag or image. Calls `DELETE /images/{name}?force=...&noprune=...`.
  public func removeImage(_ reference: String, force: Bool = false, noPrune: Bool = false) async throws {
    try await call(
      "DELETE", "/images/\(Self.segment(reference))",
      query: [("force", force ? "1" : "0"), ("noprune", noPrune ? "1" : "0")])
  }

  struct Progress {
    var auxID: String?
    var lastStatus: String?
  }

  /// Reads a JSON-lines progress stream (build, import); an `error` line becomes a thrown error.
  private func progressStream(_ request: DockerHTTPRequest, onOutput: @escaping @Sendable (String) -> Void) async throws -> Progress {
    struct Line: Decodable {
      struct Aux: Decodable {
        var id: String?
        enum CodingKeys: String, CodingKey { case id = "ID" }
      }
      var stream: String?
      var status: String?
      var error: String?
      var aux: Aux?
    }
    let state = Locked((splitter: DockerLineSplitter(), progress: Progress(), error: String?.none))
    let handle: @Sendable (Data) -> Void = { raw in
      guard let line = try? DockerJSON.decoder.decode(Line.self, from: raw) else { return }
      state.withLock { s in
        if let text = line.stream { onOutput(text) }
        if let status = line.status { s.progress.lastStatus = status; onOutput(status + "\n") }
        if let id = line.aux?.id { s.progress.auxID = id }
        if let error = line.error, s.error == nil { s.error = error }
      }
    }
    try await stream(request) { chunk in
      for line in state.withLock({ $0.splitter.push(chunk) }) { handle(line) }
      return true
    }
    if let rest = state.withLock({ $0.splitter.finish() }) { handle(rest) }
    let final = state.withLock { $0 }
    if let error = final.error {
      throw DockerEngineError.streamError(call: request.call, message: error.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    return final.progress
  }
}
