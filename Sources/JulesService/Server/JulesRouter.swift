import Foundation
import Essentials

/// Routes a request, applying CORS and the security gate to `/api/*` and `/ws`, and logs and
/// counts every request (request id, route, status, duration; never credentials).
final class JulesRouter: Sendable {
  static let version = "0.1.0"
  static let healthBody = Array("{\"status\":\"ok\",\"version\":\"\(version)\"}".utf8)

  let config: JulesConfig
  let gate: SecurityGate
  let sessions: SessionRoutes
  let store: SessionStore
  let hub: LiveClientHub
  let sync: LiteWriterSync?
  let metrics: MetricsRegistry
  let logger: JSONLogger
  let api: JulesAPIClient
  let upstreamProbe = CachedProbe(seconds: 1)

  init(
    config: JulesConfig, gate: SecurityGate, sessions: SessionRoutes, store: SessionStore, hub: LiveClientHub,
    sync: LiteWriterSync?, metrics: MetricsRegistry, logger: JSONLogger, api: JulesAPIClient
  ) {
    self.config = config
    self.gate = gate
    self.sessions = sessions
    self.store = store
    self.hub = hub
    self.sync = sync
    self.metrics = metrics
    self.logger = logger
    self.api = api
  }

  /// Requests answered without waiting on anything (the server answers them on its event loop): everything but
  /// `/readyz` (its probe may call the Jules API) and the `/api/*` routes that may call it or LiteWriter. A
  /// session read from the mirror is quick; one that is not there yet is fetched, so all of `/api/sessions/…` waits.
  static func isQuick(_ req: HTTPRequest) -> Bool {
    if req.path == "/readyz" { return false }
    guard req.path.hasPrefix("/api/") else { return true }
    return req.method == "OPTIONS" || (req.method == "GET" && (req.path == "/api/sessions" || req.path == "/api/events"))
  }

  func handle(_ req: HTTPRequest) -> HTTPResponse {
    let start = systemMonotonicSeconds()
    let requestID = Self.requestID(req.header("x-request-id"))
    var route = req.path
    var response = dispatch(req, route: &route)
    response.headers.append(("X-Request-Id", requestID))
    if let origin = req.header("origin"), config.corsOrigins.contains(origin) {
      response.headers += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    }
    let seconds = systemMonotonicSeconds() - start
    metrics.observeRequest(route: route, status: response.status, seconds: seconds)
    // pino-http's line, at debug: a load test must not write hundreds of megabytes (LOG_LEVEL=debug shows them).
    if logger.enabled(.debug) {
      logger.debug(
        "request completed",
        [
          "req": [("id", requestID), ("method", req.method), ("url", req.path), ("route", route)] as JSONLogger.Fields,
          "res": [("statusCode", response.status)] as JSONLogger.Fields, "responseTime": (seconds * 1e5).rounded() / 100,
          "client": gate.clientAddress(req)?.description ?? "unknown",
        ])
    }
    return response
  }

  private func dispatch(_ req: HTTPRequest, route: inout String) -> HTTPResponse {
    switch req.path {
    case "/healthz":
      route = "/healthz"
      return .json(200, Self.healthBody)
    case "/ui", "/ui/", "/ui/app.js", "/ui/app.css":
      route = "/ui"
      if case .rejected(let r, _) = gate.checkAddress(req) { return r }
      // Relative everywhere, so that the page works under a proxy's prefix (`/jules/ui/`) as well as at the root.
      if req.path == "/ui" { return HTTPResponse(status: 301, headers: [("Location", "ui/")]) }
      return Self.page(req.path)
    case "/readyz":
      route = "/readyz"
      return readiness()
    case "/metrics":
      route = "/metrics"
      if case .rejected(let r, _) = gate.checkAddress(req) { return r }
      return HTTPResponse(status: 200, text: metrics.render(), headers: [])
    case "/ws":
      route = "/ws"
      return webSocket(req)
    default: break
    }
    guard req.path == "/api" || req.path.hasPrefix("/api/") else {
      route = "unmatched"
      return .error(404, "no route for \(req.method) \(req.path)")
    }
    if req.method == "OPTIONS" {
      route = "preflight"
      return preflight(req)
    }
    if case .rejected(let r, _) = gate.check(req, route: req.path, presentedToken: SecurityGate.bearerToken(req)) {
      route = "/api/*"
      return r
    }
    if let r = sessions.handle(req, route: &route) { return r }
    switch (req.method, req.path) {
    case ("GET", "/api/events"):
      route = "/api/events"
      guard let stream = hub.openEventStream() else { return Self.full(hub) }
      return HTTPResponse(
        // X-Accel-Buffering: a proxy in front (the bundled nginx) passes each event on at once instead of buffering it.
        status: 200, headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"), ("X-Accel-Buffering", "no")],
        body: .stream(stream))
    case ("POST", "/api/sync/litewriter"):
      route = "/api/sync/litewriter"
      guard let sync else { return .error(503, "LiteWriter sync is not configured: set NOTES_DIR and LITEWRITER_URL") }
      do {
        return .json(200, JSONCoding.encode(try sync.sync()))
      } catch {
        return .error(502, "\(error)")
      }
    default:
      route = "/api/*"
      return .error(404, "no route for \(req.method) \(req.path)")
    }
  }

  private func preflight(_ req: HTTPRequest) -> HTTPResponse {
    if case .rejected(let r, _) = gate.checkAddress(req) { return r }
    guard let origin = req.header("origin"), config.corsOrigins.contains(origin) else {
      return .error(403, "origin is not allowed by CORS_ORIGIN")
    }
    return HTTPResponse(
      status: 204,
      headers: [
        ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
        ("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Device-Fingerprint, X-Request-Id"),
        ("Access-Control-Max-Age", "600"),
      ])
  }

  private func webSocket(_ req: HTTPRequest) -> HTTPResponse {
    guard req.method == "GET", req.header("upgrade")?.lowercased() == "websocket",
      let key = req.header("sec-websocket-key")
    else {
      return .error(400, "/ws expects a WebSocket upgrade request")
    }
    let presented = SecurityGate.webSocketToken(req)
    if case .rejected(let r, _) = gate.check(req, route: "/ws", presentedToken: presented?.token) { return r }
    guard hub.hasRoom else { return Self.full(hub) }
    return HTTPResponse(
      status: 101,
      headers: [
        ("Upgrade", "websocket"), ("Sec-WebSocket-Accept", WebSocketFrame.acceptKey(for: key)),
        ("Sec-WebSocket-Protocol", presented?.echo ?? "bearer"),
      ], body: .upgrade(WebSocketClient(hub: hub, heartbeat: config.wsHeartbeatSeconds)))
  }

  static func full(_ hub: LiveClientHub) -> HTTPResponse {
    .json(
      503, object: ["error": "too_many_live_clients", "detail": "\(hub.limit) live clients are connected (MAX_LIVE_CLIENTS)"],
      headers: [("Retry-After", "5")])
  }

  /// The control-room page and its two assets, under a policy that allows nothing from elsewhere.
  static func page(_ path: String) -> HTTPResponse {
    let (type, text) =
      switch path {
      case "/ui/app.js": ("text/javascript; charset=utf-8", ControlRoomPage.script)
      case "/ui/app.css": ("text/css; charset=utf-8", ControlRoomPage.css)
      default: ("text/html; charset=utf-8", ControlRoomPage.html)
      }
    return HTTPResponse(
      status: 200,
      headers: [
        ("Content-Type", type),
        ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'"),
      ], body: .bytes(Array(text.utf8)))
  }

  /// `/readyz`: the Jules API answers within 1 s and the database answers. The upstream probe is shared: at most one
  /// call a second, whatever the request rate.
  private func readiness() -> HTTPResponse {
    var reasons = upstreamProbe.reasons {
      do {
        let r = try api.raw("GET", "/sessions", query: ["pageSize": "1"], timeout: 1)
        return r.status == 200 ? [] : ["Jules API answered \(r.status) on GET /sessions"]
      } catch {
        return ["Jules API unreachable: \(error)"]
      }
    }
    if !store.databaseHealthy() { reasons.append("database at \(config.dataDir)/sessions.sqlite does not answer") }
    if reasons.isEmpty { return .json(200, object: ["status": "ready"]) }
    return .json(503, object: ["status": "unready", "reasons": reasons])
  }

  static let idPrefix = Hex.encode(Crypto.randomBytes(4))
  static let idCounter = Locked(UInt64(0))

  /// The caller's `X-Request-Id` when it is short and plain, else `<random process prefix>-<counter>`.
  static func requestID(_ given: String?) -> String {
    if let g = given, g.utf8.count <= 64, !g.isEmpty,
      g.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 46 || $0 == 95 })
    {
      return g
    }
    let n = idCounter.withLock { c -> UInt64 in
      c += 1; return c
    }
    return idPrefix + "-" + String(n, radix: 16)
  }
}
