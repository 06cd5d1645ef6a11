import Essentials
import Foundation
import HTTPKit

/// A client for the Docker Engine API over its unix socket (`UnixSocketTransport`, kept-alive connections).
///
/// Every call names itself in errors (`POST /containers/create`). The API version is
/// negotiated once (see `apiVersion()`): min(the Engine's, `maxAPIVersion`).
/// Calls are `async` and run their blocking transfer on the client's own threads,
/// so several calls can be in flight at once, each on its own pooled connection.
public final class DockerEngineClient: @unchecked Sendable {
  /// The newest Engine API version this client speaks.
  public static let maxAPIVersion = "1.45"
  /// The oldest Engine API version this client speaks (Debian 12's docker.io 20.10 has 1.41).
  public static let minAPIVersion = "1.40"

  /// `unix:///path/to/docker.sock`, as given.
  public let host: String
  let transport: DockerSocketTransport
  /// Deadline for ordinary calls; calls that wait on containers add their own time.
  public let requestTimeout: Double
  /// Runs every client's requests: up to eight in flight at once, as many as a client keeps connections (a Dispatch
  /// queue ran two at a time on two cores, as its threads block in the exchange: 500 inspects 10 % slower). One pool
  /// for the process: a controller makes clients at every run.
  private static let workers = WorkerPool(limit: 8)
  /// Runs streams (events, logs, pulls), which may last for ever and must not hold a worker.
  private let streams = DispatchQueue(label: "reconcile.docker-engine.streams", attributes: .concurrent)
  private let lock = NSLock()
  private var negotiated: String?

  /// Connects to `host` (`unix://...`); does no I/O until the first call.
  public init(host: String, connectTimeout: Double = 5, requestTimeout: Double = 60, maxConnections: Int = 8) throws {
    guard host.hasPrefix("unix://") else {
      throw DockerEngineError.transport(
        host: host, call: "connect", cause: "DOCKER_HOST must be a unix socket (unix:///path/docker.sock), got '\(host)'")
    }
    self.host = host
    self.requestTimeout = requestTimeout
    self.transport = DockerSocketTransport(
      host: host, socketPath: String(host.dropFirst("unix://".count)), connectTimeout: connectTimeout,
      maxConnections: maxConnections)
  }

  /// A client for `$DOCKER_HOST`, or `unix:///var/run/docker.sock` when it is unset.
  public static func fromEnvironment(
    _ environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> DockerEngineClient {
    let host = environment["DOCKER_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "unix:///var/run/docker.sock"
    return try DockerEngineClient(host: host)
  }

  // MARK: - Version negotiation

  /// The API version used in paths (`1.41`), negotiated on first use from the `API-Version` header of `GET /_ping`,
  /// as the docker CLI does (`GET /version` only for an Engine that sends none: it runs `runc --version` and
  /// `docker-init --version` to answer, 6 ms where a ping takes 0.4, and every command that touches the Engine paid it).
  public func apiVersion() async throws -> String {
    if let version = lock.withLock({ negotiated }) { return version }
    let ping = try await send(DockerHTTPRequest(method: "GET", path: "/_ping", timeout: requestTimeout))
    var server = ping.headers["api-version"] ?? ""
    if server.isEmpty { server = try await version().apiVersion }
    let chosen = Self.negotiate(server: server)
    lock.withLock { negotiated = chosen }
    return chosen
  }

  /// min(server, maxAPIVersion), compared numerically (`1.9` < `1.41`).
  public static func negotiate(server: String) -> String {
    compare(server, maxAPIVersion) < 0 ? server : maxAPIVersion
  }

  static func compare(_ a: String, _ b: String) -> Int {
    let pa = a.split(separator: ".").map { Int($0) ?? 0 }
    let pb = b.split(separator: ".").map { Int($0) ?? 0 }
    for i in 0..<max(pa.count, pb.count) {
      let x = i < pa.count ? pa[i] : 0
      let y = i < pb.count ? pb[i] : 0
      if x != y { return x < y ? -1 : 1 }
    }
    return 0
  }

  // MARK: - System

  /// Calls `GET /_ping`; returns the body (`OK`).
  public func ping() async throws -> String {
    let response = try await send(DockerHTTPRequest(method: "GET", path: "/_ping", timeout: requestTimeout))
    return String(decoding: response.body, as: UTF8.self)
  }

  /// Calls `GET /version` (unversioned, so it works before negotiation).
  public func version() async throws -> DockerVersion {
    let request = DockerHTTPRequest(method: "GET", path: "/version", timeout: requestTimeout)
    let response = try await send(request)
    return try DockerJSON.decode(DockerVersion.self, from: response.body, call: request.call)
  }

  // MARK: - Request helpers used by the typed calls

  /// Builds a request on the negotiated version prefix.
  func request(
    _ method: String, _ path: String, query: [(String, String)] = [], body: Data? = nil,
    contentType: String? = nil, timeout: Double? = -1
  ) async throws -> DockerHTTPRequest {
    let version = try await apiVersion()
    return DockerHTTPRequest(
      method: method, path: "/v\(version)\(path)", query: query, body: body,
      contentType: contentType ?? (body == nil ? nil : "application/json"),
      timeout: timeout == -1 ? requestTimeout : timeout)
  }

  /// Sends a request and returns the 2xx response, or throws the Engine's error.
  func send(_ request: DockerHTTPRequest) async throws -> DockerHTTPResponse {
    let transport = self.transport
    let cancellation = TransferCancellation()
    let response = try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<DockerHTTPResponse, Error>) in
        Self.workers.run {
          continuation.resume(with: Result { try transport.perform(request, cancellation: cancellation) })
        }
      }
    } onCancel: {
      cancellation.set()
    }
    try Self.check(response, request)
    return response
  }

  /// Sends a request whose 2xx body is consumed as it arrives; `onChunk` returns false to stop.
  func stream(_ request: DockerHTTPRequest, onChunk: @escaping @Sendable (Data) -> Bool) async throws {
    let transport = self.transport
    let cancellation = TransferCancellation()
    let response = try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<DockerHTTPResponse, Error>) in
        streams.async {
          continuation.resume(with: Result { try transport.perform(request, cancellation: cancellation, onChunk: onChunk) })
        }
      }
    } onCancel: {
      cancellation.set()
    }
    try Self.check(response, request)
  }

  /// Sends a JSON request and decodes a JSON answer.
  func json<T: Decodable>(
    _ type: T.Type, _ method: String, _ path: String, query: [(String, String)] = [], body: Data? = nil,
    timeout: Double? = -1
  ) async throws -> T {
    let request = try await request(method, path, query: query, body: body, timeout: timeout)
    let response = try await send(request)
    return try DockerJSON.decode(type, from: response.body, call: request.call)
  }

  /// Sends a request whose answer carries no body we need.
  func call(
    _ method: String, _ path: String, query: [(String, String)] = [], body: Data? = nil, timeout: Double? = -1
  ) async throws {
    _ = try await send(try await request(method, path, query: query, body: body, timeout: timeout))
  }

  static func check(_ response: DockerHTTPResponse, _ request: DockerHTTPRequest) throws {
    guard response.status >= 400 || response.status < 200 else { return }
    throw DockerEngineError.engine(
      status: response.status, call: request.call, message: DockerJSON.message(from: response.body))
  }

  /// Escapes one path segment (container names and image references contain `/` and `:`).
  static func segment(_ value: String) -> String {
    PercentEncoding.encode(value, keeping: ":@/")
  }

  /// `{"label": ["key=value", "key-only"]}` as query filters.
  static func labelFilters(_ labels: [String: String?]) -> [String: [String]] {
    if labels.isEmpty { return [:] }
    return ["label": labels.map { key, value in value.map { "\(key)=\($0)" } ?? key }.sorted()]
  }
}
