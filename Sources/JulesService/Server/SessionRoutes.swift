import Foundation

/// `/api/sessions*`: reads come from the mirror kept by the poller; writes go to the Jules API.
struct SessionRoutes: Sendable {
  let api: JulesAPIClient
  let store: SessionStore
  let poller: SessionPoller
  let logger: JSONLogger
  /// Never passed on to a client, even when the Jules API echoes one in an error.
  let secrets: [String]

  /// Returns nil when the path is not a session route.
  func handle(_ req: HTTPRequest, route: inout String) -> HTTPResponse? {
    let parts = req.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    guard parts.count >= 2, parts[0] == "api", parts[1] == "sessions" else { return nil }
    if parts.count == 2 {
      route = "/api/sessions"
      switch req.method {
      case "GET": return list(req)
      case "POST":
        if let invalid = Self.invalidCreate(req.body) { return invalid }
        return forward("POST", "/sessions", body: req.body, operation: "create session", poke: true)
      default: return .error(405, "method \(req.method) is not allowed on /api/sessions")
      }
    }
    let id = parts[2]
    guard id.range(of: #"^[A-Za-z0-9_-]{1,128}\z"#, options: .regularExpression) != nil else {
      return .error(400, "session id '\(id.prefix(64))' is not valid")
    }
    switch (req.method, parts.count > 3 ? parts[3] : nil, parts.count) {
    case ("GET", nil, 3):
      route = "/api/sessions/{id}"
      if let s = store.session(id: id) { return .json(200, JSONCoding.encode(s)) }
      return forward("GET", "/sessions/\(id)", operation: "get session '\(id)'")
    case ("POST", "approve", 4), ("POST", "approve-plan", 4):
      route = "/api/sessions/{id}/approve"
      // The peer's `{ "state": "approved" | "rejected" }`; the Jules API v1alpha can only approve a plan.
      let state = (try? JSONDecoder().decode(JSONValue.self, from: Data(req.body)))?["state"]?.stringValue ?? "approved"
      guard state == "approved" else {
        return .json(400, object: ["error": "invalid_request", "details": "state '\(state.prefix(32))' is not supported: the Jules API approves plans only"])
      }
      return forward("POST", "/sessions/\(id):approvePlan", body: Array("{}".utf8), operation: "approve plan of session '\(id)'", poke: true)
    case ("POST", "message", 4):
      route = "/api/sessions/{id}/message"
      guard let obj = try? JSONDecoder().decode(JSONValue.self, from: Data(req.body)),
        let text = obj["prompt"]?.stringValue ?? obj["message"]?.stringValue, !text.isEmpty
      else {
        return .error(400, "message body must be JSON with a non-empty \"prompt\"")
      }
      return forward(
        "POST", "/sessions/\(id):sendMessage", body: JSONCoding.encode(["prompt": text]),
        operation: "send message to session '\(id)'", poke: true)
    case ("GET", "activities", 4):
      route = "/api/sessions/{id}/activities"
      var q: [String: String] = [:]
      for k in ["pageSize", "pageToken"] { if let v = req.query[k] { q[k] = v } }
      return forward("GET", "/sessions/\(id)/activities", query: q, operation: "list activities of session '\(id)'")
    default:
      route = "/api/sessions/*"
      return .error(404, "no route for \(req.method) \(req.path)")
    }
  }

  /// `GET /api/sessions` with `pageSize` (1–100, default 30) and `pageToken`, like the Jules API.
  func list(_ req: HTTPRequest) -> HTTPResponse {
    let size = min(max(Int(req.query["pageSize"] ?? "") ?? 30, 1), 100)
    let start = req.query["pageToken"].flatMap { Int($0) } ?? 0
    guard let body = store.encodedPage(start: start, size: size) else { return .error(400, "pageToken is not valid") }
    return .json(200, body)
  }

  /// Passes a call to the Jules API through: a success with its status and JSON body, a failure as the peer maps it
  /// (always a JSON body): a timeout `408 {"error":"jules_timeout"}`, `429 {"error":"jules_rate_limited"}`, a 5xx or
  /// no answer `502 {"error":"jules_unavailable","retry":true}`, any other status as is with
  /// `{"error":"jules_error","detail":…}` (the upstream body, at most 300 characters). GETs are retried on 429 and 5xx.
  func forward(
    _ method: String, _ path: String, query: [String: String] = [:], body: [UInt8]? = nil,
    operation: String, poke: Bool = false
  ) -> HTTPResponse {
    do {
      let r = try api.raw(method, path, query: query, body: body, retries: method == "GET" ? 3 : 0)
      if (200..<300).contains(r.status) {
        if poke { poller.poke() }
        return .json(r.status, r.body.isEmpty ? Array("{}".utf8) : r.body)
      }
      let detail = redacted(String(decoding: r.body, as: UTF8.self))
      failed(operation, status: r.status, detail)
      return Self.upstreamError(r.status, String(detail.prefix(300)))
    } catch let error as HTTPKitError where error.isTimeout {
      failed(operation, status: 408, "timed out")
      return Self.upstreamError(408, "")
    } catch {
      failed(operation, status: nil, "\(error)")
      return .json(502, object: ["error": "jules_unavailable", "retry": true, "detail": redacted("could not \(operation): Jules API did not answer: \(error)")])
    }
  }

  /// The peer's error line (`logError`): what failed, the upstream status, and its message cut at 300 characters.
  func failed(_ operation: String, status: Int?, _ message: String) {
    let cut = message.count > 300 ? message.prefix(300) + "..." : message
    if let status {
      logger.warn("jules api call failed", ["operation": operation, "status": status, "err": [("message", cut)] as JSONLogger.Fields])
    } else {
      logger.warn("jules api call failed", ["operation": operation, "err": [("message", cut)] as JSONLogger.Fields])
    }
  }

  func redacted(_ text: String) -> String {
    secrets.filter { $0.count >= 4 }.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
  }

  /// The peer's create schema where it and the Jules API agree: a JSON object whose text fields, when given, are not
  /// empty. `400 {"error":"invalid_request","details":[{"path":["repo"],"message":…}]}` otherwise.
  static func invalidCreate(_ body: [UInt8]) -> HTTPResponse? {
    guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body.isEmpty ? Array("{}".utf8) : body)), case .object(let fields) = value
    else {
      return .json(400, object: ["error": "invalid_request", "details": [["path": [String](), "message": "expected a JSON object"]]])
    }
    var details: [[String: Any]] = []
    for key in ["prompt", "repo", "branch", "title"] {
      guard let v = fields[key] else { continue }
      if v.stringValue?.isEmpty != false {
        details.append(["path": [key], "message": v.stringValue == nil ? "expected a string" : "must not be empty"])
      }
    }
    return details.isEmpty ? nil : .json(400, object: ["error": "invalid_request", "details": details])
  }

  static func upstreamError(_ status: Int, _ detail: String) -> HTTPResponse {
    switch status {
    case 408: .json(408, object: ["error": "jules_timeout"])
    case 429: .json(429, object: ["error": "jules_rate_limited"])
    case 500...: .json(502, object: ["error": "jules_unavailable", "retry": true])
    default: .json(status, object: ["error": "jules_error", "detail": detail])
    }
  }
}
