import Essentials
import Foundation
import HTTPKit

/// One HTTP request to the Engine, path already versioned (`/v1.41/containers/json`).
struct DockerHTTPRequest: Sendable {
  var method: String
  var path: String
  var query: [(String, String)] = []
  var body: Data? = nil
  var contentType: String? = nil
  /// Further headers (`X-Registry-Auth`); never part of an error text.
  var headers: [(String, String)] = []
  /// Overall deadline for the whole exchange; nil means none (streams).
  var timeout: Double? = 60

  /// `POST /containers/create`: method and unversioned path, for error texts.
  var call: String {
    // `/v1.43/containers/x/json` → `/containers/x/json`, by hand (a regular expression compiled at every request
    // was most of what planning 500 containers spent besides the Engine).
    var unversioned = Substring(path)
    if path.hasPrefix("/v"), let slash = path.dropFirst(2).firstIndex(of: "/"),
      case let version = path[path.index(path.startIndex, offsetBy: 2)..<slash], !version.isEmpty,
      version.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") })
    {
      unversioned = path[slash...]
    }
    return "\(method) \(unversioned)"
  }
}

struct DockerHTTPResponse: Sendable {
  var status: Int
  var body: Data
  /// Header names in lower case (`api-version`).
  var headers: [String: String] = [:]
}

/// HTTP/1.1 to the Engine's unix socket over HTTPKit's `UnixSocketTransport` (kept-alive pooled connections),
/// with its failures worded as `DockerEngineError`s that name the call.
///
/// Blocking; callers run it off the cooperative pool (see `DockerEngineClient`).
struct DockerSocketTransport: Sendable {
  let host: String
  let connectTimeout: Double
  let socket: UnixSocketTransport

  init(host: String, socketPath: String, connectTimeout: Double, maxConnections: Int) {
    self.host = host
    self.connectTimeout = connectTimeout
    self.socket = UnixSocketTransport(socketPath: socketPath, maxIdleConnections: maxConnections)
  }

  /// Performs `request`; with `onChunk`, a 2xx body is handed over as it arrives
  /// (return false to stop) and only an error body is collected.
  func perform(
    _ request: DockerHTTPRequest,
    cancellation: TransferCancellation = TransferCancellation(),
    onChunk: ((Data) -> Bool)? = nil
  ) throws -> DockerHTTPResponse {
    // Every method but GET and HEAD sends a body, possibly empty; no Content-Type unless the call names one.
    let sendsBody = request.method != "GET" && request.method != "HEAD"
    var transfer = TransferRequest(
      method: request.method, url: "http://localhost" + request.path + Self.encode(request.query), timeout: request.timeout,
      connectTimeout: connectTimeout)
    if sendsBody {
      transfer.headers = [("Content-Type", request.contentType ?? "")]
      transfer.body = request.body ?? Data()
    }
    transfer.headers += request.headers
    do {
      let response = try socket.perform(transfer, cancellation: cancellation, onChunk: onChunk)
      return DockerHTTPResponse(status: response.status, body: response.body, headers: response.headers)
    } catch let failure as TransferError {
      throw error(for: failure, request: request)
    }
  }

  private func error(for failure: TransferError, request: DockerHTTPRequest) -> DockerEngineError {
    let osCause = failure.osErrno != 0 ? String(cString: strerror(failure.osErrno)).lowercased() : nil
    switch failure.kind {
    case .couldNotConnect:
      return .unreachable(host: host, cause: osCause ?? "connection refused")
    case .timedOut:
      // No answer at all within the connect timeout is an unreachable engine.
      if failure.status == 0, request.timeout == nil || request.timeout! > connectTimeout, let osCause {
        return .unreachable(host: host, cause: osCause)
      }
      return .timedOut(host: host, call: request.call, seconds: request.timeout ?? connectTimeout)
    case .other:
      return .transport(host: host, call: request.call, cause: failure.message.lowercased())
    }
  }

  static func encode(_ query: [(String, String)]) -> String {
    guard !query.isEmpty else { return "" }
    return "?" + query.map { key, value in "\(key)=\(PercentEncoding.encode(value))" }.joined(separator: "&")
  }
}
