import Foundation

/// The Jules service: HTTP server, session poller, webhook and alert delivery, live clients and
/// LiteWriter sync, wired from one `JulesConfig`.
public final class JulesService: Sendable {
  public let config: JulesConfig
  public let logger: JSONLogger
  public let metrics = MetricsRegistry()
  public let store: SessionStore
  public let hub: LiveClientHub
  public let poller: SessionPoller
  public let sync: LiteWriterSync?
  let server: HTTPServer
  let notify: WebhookDeliveryQueue?
  let alertQueue: WebhookDeliveryQueue?
  let watcher: NotesWatcher?

  public init(config: JulesConfig, logger: JSONLogger = JSONLogger()) throws {
    self.config = config
    self.logger = logger
    hub = LiveClientHub(limit: config.maxLiveClients)
    store = try SessionStore(persistDirectory: config.persist ? config.dataDir : nil) { logger.error($0) }
    let metrics = self.metrics
    let api = JulesAPIClient(base: config.julesAPIBase, apiKey: config.julesAPIKey, timeoutSeconds: config.julesAPITimeoutSeconds) {
      metrics.observeUpstream(method: $0, seconds: $1, error: $2)
    }
    if config.notifyWebhook != nil, config.notifySecret == nil {
      logger.warn("NOTIFY_WEBHOOK is set without NOTIFY_SECRET: session changes are delivered unsigned")
    }
    notify = config.notifyWebhook.map { WebhookDeliveryQueue(label: "notify", url: $0, secret: config.notifySecret, logger: logger) }
    alertQueue = config.alertWebhook.map { WebhookDeliveryQueue(label: "alert", url: $0, secret: nil, logger: logger) }
    let alerts = AlertNotifier(delivery: alertQueue, windowSeconds: config.alertWindowSeconds)
    let hub = self.hub, notify = self.notify
    poller = SessionPoller(api: api, store: store, interval: config.pollIntervalSeconds, logger: logger, metrics: metrics) { deltas in
      // One webhook delivery per poll, in the peer's shape (signed and retried besides).
      notify?.enqueue(LiveClientHub.batch(deltas))
      hub.broadcast(deltas)
    }
    if let dir = config.notesDir, let url = config.liteWriterURL {
      let s = LiteWriterSync(
        notesDir: dir, baseURL: url, user: config.liteWriterUser, password: config.liteWriterPassword,
        deleteRemote: config.liteWriterDelete,
        indexPath: config.persist ? config.dataDir + "/litewriter-index.json" : nil,
        failureThreshold: config.syncFailureThreshold, alerts: alerts, metrics: metrics, logger: logger)
      sync = s
      watcher = config.watchNotes ? NotesWatcher(root: dir) { _ = try? s.sync() } : nil
    } else {
      sync = nil
      watcher = nil
    }
    let limiter = TokenBucketLimiter(requests: config.rateLimit.requests, perSeconds: config.rateLimit.perSeconds)
    let gate = SecurityGate(config: config, limiter: limiter, alerts: alerts, metrics: metrics)
    let router = JulesRouter(
      config: config, gate: gate,
      sessions: SessionRoutes(api: api, store: store, poller: poller, logger: logger, secrets: config.secretValues), store: store, hub: hub,
      sync: sync, metrics: metrics, logger: logger, api: api)
    var o = HTTPServer.Options()
    o.host = config.host
    o.port = config.port
    o.maxBodyBytes = config.maxBodyBytes
    // A flood from one address cannot take every connection, and an address that may not call at all (neither
    // allowed, nor a trusted proxy, nor loopback for the healthcheck) is refused before it holds a thread.
    o.perIPConnectionLimit = UInt32(config.maxConnectionsPerIP)
    let addresses = ClientAddressPolicy(allowlist: config.allowlist, trustedProxies: config.trustedProxies)
    o.acceptPolicy = { addresses.mayConnect($0) }
    // The server's own words (a refused connection) as JSON lines too, at most one a second under a flood.
    let serverLog = ServerMessageLog(logger: logger)
    o.log = { serverLog.record($0) }
    o.quick = JulesRouter.isQuick
    o.defaultHeaders = [
      ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
      ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store"),
    ]
    server = HTTPServer(options: o) { router.handle($0) }
    let store = self.store
    metrics.gauge("jules_sessions", help: "Sessions known (the last poll's).") { Double(store.count) }
    metrics.gauge("jules_live_clients", help: "Connected WebSocket and Server-Sent Events clients.") { Double(hub.liveClients) }
    metrics.gauge("jules_websocket_clients", help: "Connected WebSocket clients.") { Double(hub.webSocketClients) }
    metrics.gauge("jules_sse_clients", help: "Connected Server-Sent Events clients.") { Double(hub.eventStreamClients) }
    if let notify {
      metrics.counter("jules_webhook_delivered_total", help: "Webhook deliveries accepted.") { Double(notify.currentStats.delivered) }
      metrics.counter("jules_webhook_failed_total", help: "Webhook deliveries given up after their retries.") { Double(notify.currentStats.failed) }
      metrics.counter("jules_webhook_dropped_total", help: "Webhook deliveries dropped because the queue was full.") { Double(notify.currentStats.dropped) }
    }
  }

  /// The bound port (useful with `PORT=0`).
  public var port: UInt16 { server.port }

  /// Starts delivery workers, the poller, the notes watcher and the HTTP server.
  public func start() throws {
    notify?.start()
    alertQueue?.start()
    try server.start()
    poller.start()
    try watcher?.start()
    logger.info(
      "jules started",
      [
        "port": Int(port), "persist": store.isPersistent, "version": JulesRouter.version,
        "sessions": store.count, "litewriter_sync": sync != nil,
      ])
  }

  /// Graceful stop: no new connections, in-flight requests finish, live clients are closed,
  /// queued webhooks get a few seconds, then the database is closed.
  public func shutdown(grace: Double = 10) {
    logger.info("jules stopping")
    hub.closeAll()
    server.shutdown(grace: grace)
    poller.stop(grace: 5)
    watcher?.stop()
    notify?.stop(grace: 3)
    alertQueue?.stop(grace: 3)
    store.close()
    logger.info("jules stopped")
  }
}
