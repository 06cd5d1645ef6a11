import Foundation
import Essentials

/// The checks every `/api/*` request passes, in this order: allowlist, device fingerprint, failed-authentication
/// throttle, bearer token, rate limit. Secrets are compared in constant time and never logged.
public struct SecurityGate: Sendable {
  public enum Outcome: Sendable {
    case allowed(client: IPAddress)
    case rejected(HTTPResponse, cause: String)
  }

  let addresses: ClientAddressPolicy
  let fingerprints: [String]
  let token: String
  let limiter: TokenBucketLimiter
  /// Failed authentications per address: once spent, the address is refused before its token is compared.
  let failures: TokenBucketLimiter
  let alerts: AlertNotifier
  let metrics: MetricsRegistry

  public init(config: JulesConfig, limiter: TokenBucketLimiter, alerts: AlertNotifier, metrics: MetricsRegistry) {
    addresses = ClientAddressPolicy(allowlist: config.allowlist, trustedProxies: config.trustedProxies)
    fingerprints = config.authorizedFingerprints
    token = config.localToken
    self.limiter = limiter
    failures = TokenBucketLimiter(requests: config.authFailureLimit.requests, perSeconds: config.authFailureLimit.perSeconds)
    self.alerts = alerts
    self.metrics = metrics
  }

  /// The client address as the allowlist sees it (socket peer, or `X-Forwarded-For` via a trusted proxy).
  public func clientAddress(_ req: HTTPRequest) -> IPAddress? {
    addresses.clientAddress(peer: req.peer, forwardedFor: req.header("x-forwarded-for"))
  }

  /// Runs the allowlist check alone (CORS preflight runs it before answering).
  public func checkAddress(_ req: HTTPRequest) -> Outcome {
    let client = clientAddress(req)
    guard addresses.isAllowed(client), let client else {
      metrics.authFailure("allowlist")
      return .rejected(Self.refusal(403, "forbidden", "client address is not in ALLOWLIST"), cause: "allowlist")
    }
    return .allowed(client: client)
  }

  /// Runs all four checks; `presentedToken` is the bearer token (or the WebSocket protocol token).
  public func check(_ req: HTTPRequest, route: String, presentedToken: String?) -> Outcome {
    let first = checkAddress(req)
    guard case .allowed(let client) = first else { return first }
    if !fingerprints.isEmpty {
      let presented = req.header("x-device-fingerprint") ?? ""
      var match = false
      for f in fingerprints where ConstantTime.equal(presented, f) { match = true }
      if !match {
        metrics.authFailure("fingerprint")
        alerts.alert(
          kind: "device_fingerprint_mismatch",
          message: "request with an unknown or missing device fingerprint was rejected",
          details: ["client": client.description, "route": route, "fingerprintPresent": presented.isEmpty ? "no" : "yes"])
        return .rejected(Self.refusal(403, "forbidden", "device fingerprint is not authorized"), cause: "fingerprint")
      }
    }
    // An address that keeps guessing is refused before its token is compared, the right one too, until it waits.
    if case .limited(let retry) = failures.peek(client.description) {
      metrics.authFailure("throttled")
      return .rejected(Self.refusal(429, "rate_limited", "too many failed authentications from this address", retry: retry), cause: "auth_throttled")
    }
    guard let presentedToken, ConstantTime.equal(presentedToken, token) else {
      _ = failures.take(client.description)
      metrics.authFailure("token")
      return .rejected(Self.refusal(401, "unauthorized", "missing or invalid bearer token", headers: [("WWW-Authenticate", "Bearer")]), cause: "token")
    }
    if case .limited(let retry) = limiter.take(client.description) {
      metrics.rateLimitHit()
      return .rejected(Self.refusal(429, "rate_limited", "rate limit exceeded", retry: retry), cause: "rate_limit")
    }
    return .allowed(client: client)
  }

  /// The peer's refusal (`{"error":"forbidden"}`, `unauthorized`, `rate_limited`), with what was refused in `detail`.
  static func refusal(_ status: Int, _ code: String, _ detail: String, retry: Int? = nil, headers: [(String, String)] = []) -> HTTPResponse {
    .json(status, object: ["error": code, "detail": detail], headers: headers + (retry.map { [("Retry-After", String($0))] } ?? []))
  }

  /// The token from `Authorization: Bearer <token>`.
  public static func bearerToken(_ req: HTTPRequest) -> String? {
    guard let h = req.header("authorization"), h.count > 7, h.lowercased().hasPrefix("bearer ") else { return nil }
    return String(h.dropFirst(7)).trimmingCharacters(in: .whitespaces)
  }

  /// The token from `Sec-WebSocket-Protocol`: the peer's `bearer.<token>`, ours `bearer, <token>`, or a lone
  /// `<token>`; and the protocol to echo (the peer's client requires its own `bearer.<token>` back).
  public static func webSocketToken(_ req: HTTPRequest) -> (token: String, echo: String)? {
    let items = (req.header("sec-websocket-protocol") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    if let item = items.first(where: { $0.count > 7 && $0.lowercased().hasPrefix("bearer.") }) { return (String(item.dropFirst(7)), item) }
    if let i = items.firstIndex(where: { $0.lowercased() == "bearer" }), i + 1 < items.count { return (items[i + 1], "bearer") }
    if items.count == 1 { return (items[0], items[0]) }
    return nil
  }
}
