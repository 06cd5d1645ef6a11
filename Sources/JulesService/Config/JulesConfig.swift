import Foundation

/// Service configuration read from the environment (and an optional `.env`, which the environment overrides).
public struct JulesConfig: Sendable {
  public var host = "0.0.0.0"
  public var port: UInt16 = 3001
  public var localToken: String
  /// Every secret value of the configuration, which the logs never show (`[redacted]` in their place).
  public var secretValues: [String] { [localToken, julesAPIKey, notifySecret, liteWriterPassword].compactMap { $0 } }
  public var authorizedFingerprints: [String] = []
  public var allowlist: [CIDR] = []
  public var trustedProxies: [CIDR] = []
  /// `CORS_ORIGIN`: origins allowed to call from a browser, comma-separated.
  public var corsOrigins: [String] = []
  /// The peer's `rateLimit(60)`: 60 requests a minute per client.
  public var rateLimit: RateLimit = RateLimit(requests: 60, perSeconds: 60)
  /// `AUTH_FAILURE_LIMIT`: failed authentications one address may make before it is refused without a look at its
  /// token (10 a minute).
  public var authFailureLimit: RateLimit = RateLimit(requests: 10, perSeconds: 60)
  /// `MAX_CONNECTIONS_PER_IP`: open connections one address may hold (0: no limit besides the server's 4,096).
  public var maxConnectionsPerIP = 64
  /// `MAX_LIVE_CLIENTS`: WebSocket and event-stream clients at once; one more is answered 503 until one leaves.
  public var maxLiveClients = 256
  public var julesAPIBase = "https://jules.googleapis.com/v1alpha"
  public var julesAPIKey: String
  /// `JULES_API_TIMEOUT`: seconds a call to the Jules API may take (the peer's 10 s); past it the client gets 408.
  public var julesAPITimeoutSeconds: Double = 10
  public var pollIntervalSeconds: Double = 5
  public var persist = false
  public var dataDir = "./data"
  public var notifyWebhook: String?
  public var notifySecret: String?
  public var alertWebhook: String?
  public var alertWindowSeconds: Double = 60
  public var notesDir: String?
  public var liteWriterURL: String?
  public var liteWriterUser: String?
  public var liteWriterPassword: String?
  public var liteWriterDelete = false
  public var syncFailureThreshold = 3
  public var watchNotes = true
  public var maxBodyBytes = 1 << 20
  /// `WS_HEARTBEAT_SECONDS`: how often WebSocket clients are pinged; one that missed the last ping is dropped.
  public var wsHeartbeatSeconds: Double = 30
  /// `LOG_LEVEL` as pino spells it (`trace` … `fatal`, `silent`); nil is silent.
  public var logLevel: JSONLogger.Level? = .info

  /// Requests allowed per window for one client; `requests == 0` disables limiting.
  public struct RateLimit: Sendable, Equatable {
    public var requests: Int
    public var perSeconds: Double
  }

  /// Builds the configuration; the error names the variable that is missing or malformed.
  public static func load(environment env: [String: String]) throws -> JulesConfig {
    func value(_ k: String) -> String? {
      guard let v = env[k]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
      return v
    }
    func required(_ k: String) throws -> String {
      guard let v = value(k) else { throw JulesError("configuration: \(k) is required but not set") }
      return v
    }
    func list(_ k: String) -> [String] {
      (value(k) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
    func cidr(_ k: String, _ item: String) throws -> CIDR {
      guard let c = CIDR(item) else {
        throw JulesError("configuration: \(k) has '\(item)', expected an IPv4 or IPv6 CIDR such as 10.0.0.0/8")
      }
      return c
    }
    func cidrs(_ k: String) throws -> [CIDR] { try list(k).map { try cidr(k, $0) } }
    func number(_ k: String, _ range: ClosedRange<Int>) throws -> Int? {
      guard let v = value(k) else { return nil }
      guard let n = Int(v), range.contains(n) else {
        throw JulesError("configuration: \(k) has '\(v)', expected a whole number in \(range.lowerBound)...\(range.upperBound)")
      }
      return n
    }
    func url(_ k: String) throws -> String? {
      guard let v = value(k) else { return nil }
      guard let u = URL(string: v), let s = u.scheme, s == "http" || s == "https", u.host != nil else {
        throw JulesError("configuration: \(k) is not an http(s) URL")
      }
      return v
    }
    func flag(_ k: String) -> Bool { ["1", "true", "yes", "on"].contains((value(k) ?? "").lowercased()) }

    var c = JulesConfig(localToken: try required("LOCAL_TOKEN"), julesAPIKey: try required("JULES_API_KEY"))
    if let p = try number("PORT", 0...65535) { c.port = UInt16(p) }
    if let h = value("HOST") {
      guard IPAddress(h) != nil else { throw JulesError("configuration: HOST has '\(h)', expected an IP address") }
      c.host = h
    }
    c.authorizedFingerprints = list("AUTHORIZED_FINGERPRINTS")
    c.allowlist = try cidrs("ALLOWLIST")
    // `gateway`: the address the host reaches this container from (its default route's gateway), the managed
    // proxy's when the container has a network of its own.
    c.trustedProxies = try list("TRUSTED_PROXIES").flatMap { item -> [CIDR] in
      guard item == "gateway" else { return [try cidr("TRUSTED_PROXIES", item)] }
      guard let gateway = Self.defaultGateway(routes: (try? String(contentsOfFile: "/proc/net/route", encoding: .utf8)) ?? "") else {
        throw JulesError("configuration: TRUSTED_PROXIES has 'gateway', but this host has no IPv4 default route (/proc/net/route)")
      }
      return [CIDR(gateway.description)!]
    }
    c.corsOrigins = list("CORS_ORIGIN")
    if let r = value("RATE_LIMIT") {
      guard let parsed = parseRateLimit(r) else {
        throw JulesError("configuration: RATE_LIMIT has '\(r)', expected N, N/s or N/m (0 disables)")
      }
      c.rateLimit = parsed
    }
    if let r = value("AUTH_FAILURE_LIMIT") {
      guard let parsed = parseRateLimit(r) else {
        throw JulesError("configuration: AUTH_FAILURE_LIMIT has '\(r)', expected N, N/s or N/m (0 disables)")
      }
      c.authFailureLimit = parsed
    }
    if let m = try number("MAX_CONNECTIONS_PER_IP", 0...4096) { c.maxConnectionsPerIP = m }
    if let m = try number("MAX_LIVE_CLIENTS", 1...4096) { c.maxLiveClients = m }
    if let b = try url("JULES_API_BASE") { c.julesAPIBase = b.hasSuffix("/") ? String(b.dropLast()) : b }
    if let t = try number("JULES_API_TIMEOUT", 1...300) { c.julesAPITimeoutSeconds = Double(t) }
    if let p = try number("POLL_INTERVAL_SECONDS", 1...3600) { c.pollIntervalSeconds = Double(p) }
    c.persist = flag("PERSIST")
    if let d = value("DATA_DIR") { c.dataDir = d }
    c.notifyWebhook = try url("NOTIFY_WEBHOOK")
    // The guide sets NOTIFY_WEBHOOK alone: deliveries then go unsigned (the service warns at start).
    c.notifySecret = value("NOTIFY_SECRET")
    c.alertWebhook = try url("ALERT_WEBHOOK")
    if let w = try number("ALERT_WINDOW_SECONDS", 1...86400) { c.alertWindowSeconds = Double(w) }
    c.notesDir = value("NOTES_DIR")
    c.liteWriterURL = try url("LITEWRITER_URL")
    c.liteWriterUser = value("LITEWRITER_USER")
    c.liteWriterPassword = value("LITEWRITER_PASSWORD")
    c.liteWriterDelete = flag("LITEWRITER_DELETE")
    if (c.notesDir == nil) != (c.liteWriterURL == nil) {
      throw JulesError("configuration: NOTES_DIR and LITEWRITER_URL must be set together")
    }
    if let t = try number("SYNC_FAILURE_THRESHOLD", 1...1000) { c.syncFailureThreshold = t }
    if let w = value("NOTES_WATCH") { c.watchNotes = flag("NOTES_WATCH") || w == "" }
    if let m = try number("MAX_BODY_BYTES", 1024...(64 << 20)) { c.maxBodyBytes = m }
    if let w = try number("WS_HEARTBEAT_SECONDS", 1...3600) { c.wsHeartbeatSeconds = Double(w) }
    if let l = value("LOG_LEVEL") {
      guard let level = JSONLogger.Level.named(l) else {
        throw JulesError("configuration: LOG_LEVEL has '\(l)', expected trace, debug, info, warn, error, fatal or silent")
      }
      c.logLevel = level
    }
    return c
  }

  /// The gateway of the IPv4 default route in `/proc/net/route`'s text (hexadecimal, in the host's byte order).
  static func defaultGateway(routes: String) -> IPAddress? {
    for line in routes.split(separator: "\n").dropFirst() {
      let f = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
      guard f.count > 2, f[1] == "00000000", let raw = UInt32(f[2], radix: 16), raw != 0 else { continue }
      return IPAddress(bytes: withUnsafeBytes(of: raw.littleEndian) { Array($0) })
    }
    return nil
  }

  static func parseRateLimit(_ s: String) -> RateLimit? {
    let parts = s.split(separator: "/", maxSplits: 1).map(String.init)
    guard let n = Int(parts[0]), n >= 0 else { return nil }
    if parts.count == 1 { return RateLimit(requests: n, perSeconds: 60) }
    switch parts[1] {
    case "s": return RateLimit(requests: n, perSeconds: 1)
    case "m": return RateLimit(requests: n, perSeconds: 60)
    case "h": return RateLimit(requests: n, perSeconds: 3600)
    default: return nil
    }
  }
}
