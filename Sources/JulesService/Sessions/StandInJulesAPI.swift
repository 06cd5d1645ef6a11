import Foundation
import Essentials

/// A stand-in for the public Jules API v1alpha (`https://jules.googleapis.com/v1alpha`), which is
/// not reachable from this build machine. It serves the documented shapes — sessions with `id`,
/// `title`, `prompt`, `state`, `createTime`, `updateTime`, `url`, `outputs`, paging with
/// `nextPageToken`, `:approvePlan`, `:sendMessage`, activities — over real HTTP, and checks
/// `X-Goog-Api-Key`. Used by the tests and the benchmark only; it is not the real service.
public final class StandInJulesAPI: Sendable {
  struct State {
    var sessions: [JulesSession] = []
    var activities: [String: [JSONValue]] = [:]
    var counter = 0
    var requests = 0
  }

  public let apiKey: String
  let state = Locked(State())
  let server: HTTPServer

  public init(apiKey: String, host: String = "127.0.0.1", port: UInt16 = 0) {
    self.apiKey = apiKey
    var o = HTTPServer.Options()
    o.host = host
    o.port = port
    o.quick = { _ in true }  // answers from memory
    let box = Locked<StandInJulesAPI?>(nil)
    server = HTTPServer(options: o) { req in box.current?.handle(req) ?? HTTPResponse(status: 503) }
    box.withLock { $0 = self }
  }

  public func start() throws { try server.start() }
  public func stop() { server.shutdown(grace: 1) }
  /// Base URL to put in `JULES_API_BASE`.
  public var baseURL: String { "http://127.0.0.1:\(server.port)/v1alpha" }
  public var port: UInt16 { server.port }
  public var requestCount: Int { state.current.requests }

  /// Adds or replaces a session, giving it a fresh `updateTime`.
  @discardableResult
  public func upsert(id: String, title: String, state st: String = "QUEUED") -> JulesSession {
    state.withLock { s in
      let now = Self.stamp(&s.counter)
      if let i = s.sessions.firstIndex(where: { $0.id == id }) {
        s.sessions[i].title = title
        s.sessions[i].state = st
        s.sessions[i].updateTime = now
        return s.sessions[i]
      }
      let session = JulesSession(
        id: id, title: title, prompt: "prompt for \(title)", state: st, createTime: now,
        updateTime: now, url: "https://jules.google.com/session/\(id)", outputs: .array([]))
      s.sessions.append(session)
      return session
    }
  }

  public func delete(id: String) { state.withLock { $0.sessions.removeAll { $0.id == id } } }

  static func stamp(_ counter: inout Int) -> String {
    counter += 1
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    let base = f.string(from: Date()).dropLast()
    return "\(base).\(String(format: "%09d", counter))Z"
  }

  func handle(_ req: HTTPRequest) -> HTTPResponse {
    state.withLock { $0.requests += 1 }
    guard let key = req.header("x-goog-api-key"), ConstantTime.equal(key, apiKey) else {
      return .json(401, object: ["error": ["code": 401, "message": "API key not valid.", "status": "UNAUTHENTICATED"]])
    }
    guard req.path.hasPrefix("/v1alpha/sessions") else { return notFound() }
    let rest = String(req.path.dropFirst("/v1alpha/sessions".count))
    switch (req.method, rest) {
    case ("GET", ""): return list(req)
    case ("POST", ""): return create(req)
    default: break
    }
    let parts = rest.dropFirst().split(separator: "/", maxSplits: 1).map(String.init)
    guard let first = parts.first else { return notFound() }
    if req.method == "GET" && parts.count == 2 && parts[1] == "activities" { return activities(first) }
    if req.method == "GET" && parts.count == 1 {
      guard let s = state.current.sessions.first(where: { $0.id == first }) else { return notFound() }
      return .json(200, JSONCoding.encode(s))
    }
    if req.method == "POST", let colon = first.firstIndex(of: ":") {
      let id = String(first[..<colon]), verb = String(first[first.index(after: colon)...])
      return act(id: id, verb: verb, body: req.body)
    }
    return notFound()
  }

  func list(_ req: HTTPRequest) -> HTTPResponse {
    let size = min(max(Int(req.query["pageSize"] ?? "") ?? 30, 1), 100)
    let start = Int(req.query["pageToken"] ?? "") ?? 0
    let all = state.current.sessions
    let slice = Array(all.dropFirst(start).prefix(size))
    let next = start + slice.count < all.count ? String(start + slice.count) : nil
    return .json(200, JSONCoding.encode(SessionPage(sessions: slice, nextPageToken: next)))
  }

  func create(_ req: HTTPRequest) -> HTTPResponse {
    guard let body = try? JSONDecoder().decode(JSONValue.self, from: Data(req.body)),
      let prompt = body["prompt"]?.stringValue
    else {
      return .json(400, object: ["error": ["code": 400, "message": "prompt is required", "status": "INVALID_ARGUMENT"]])
    }
    let id = String(UInt64.random(in: 1_000_000...9_999_999_999))
    var s = upsert(id: id, title: body["title"]?.stringValue ?? String(prompt.prefix(40)))
    s.prompt = prompt
    s.sourceContext = body["sourceContext"]
    state.withLock { st in
      if let i = st.sessions.firstIndex(where: { $0.id == id }) { st.sessions[i] = s }
    }
    return .json(200, JSONCoding.encode(s))
  }

  func act(id: String, verb: String, body: [UInt8]) -> HTTPResponse {
    guard state.current.sessions.contains(where: { $0.id == id }) else { return notFound() }
    switch verb {
    case "approvePlan":
      upsert(id: id, title: state.current.sessions.first { $0.id == id }?.title ?? "", state: "IN_PROGRESS")
      return .json(200, object: [String: String]())
    case "sendMessage":
      let msg = (try? JSONDecoder().decode(JSONValue.self, from: Data(body)))?["prompt"]?.stringValue
      guard let msg else { return .json(400, object: ["error": ["code": 400, "message": "prompt is required"]]) }
      state.withLock { st in
        st.activities[id, default: []].append(
          .object([
            "name": .string("sessions/\(id)/activities/\(st.activities[id, default: []].count + 1)"),
            "originator": .string("user"), "userMessaged": .object(["userMessage": .string(msg)]),
          ]))
      }
      return .json(200, object: [String: String]())
    default:
      return notFound()
    }
  }

  func activities(_ id: String) -> HTTPResponse {
    guard state.current.sessions.contains(where: { $0.id == id }) else { return notFound() }
    let acts = state.current.activities[id] ?? []
    return .json(200, JSONCoding.encode(["activities": JSONValue.array(acts)]))
  }

  func notFound() -> HTTPResponse {
    .json(404, object: ["error": ["code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"]])
  }
}
