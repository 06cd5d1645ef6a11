import Foundation
import Essentials

/// A bounded queue of JSON POSTs to one URL, delivered in order by one worker thread and
/// retried with exponential backoff. When `secret` is set each body is signed:
/// `X-Signature-256: sha256=<hex HMAC-SHA256(body, secret)>`.
public final class WebhookDeliveryQueue: @unchecked Sendable {
  public struct Stats: Sendable, Equatable { public var delivered = 0, failed = 0, dropped = 0, retried = 0 }

  let url: String
  let secret: String?
  let capacity: Int
  let maxAttempts: Int
  let baseBackoff: Double
  let logger: JSONLogger
  let label: String
  private let cond = NSCondition()
  private var queue: [[UInt8]] = []
  private var stopping = false
  private var busy = false
  private var stats = Stats()
  private var thread: Thread?

  public init(
    label: String, url: String, secret: String?, capacity: Int = 1000, maxAttempts: Int = 6,
    baseBackoff: Double = 0.5, logger: JSONLogger
  ) {
    self.label = label
    self.url = url
    self.secret = secret
    self.capacity = capacity
    self.maxAttempts = maxAttempts
    self.baseBackoff = baseBackoff
    self.logger = logger
  }

  public func start() {
    let t = Thread { [self] in work() }
    t.name = "webhook-\(label)"
    thread = t
    t.start()
  }

  /// Queues `body`; when full, the oldest entry is dropped (and counted) to keep memory bounded.
  public func enqueue(_ body: [UInt8]) {
    cond.lock()
    if queue.count >= capacity {
      queue.removeFirst()
      stats.dropped += 1
    }
    queue.append(body)
    cond.signal()
    cond.unlock()
  }

  public var currentStats: Stats {
    cond.lock()
    defer { cond.unlock() }
    return stats
  }

  /// Delivers what is queued for up to `grace` seconds, then stops the worker.
  public func stop(grace: Double) {
    let deadline = Date().addingTimeInterval(grace)
    cond.lock()
    while (!queue.isEmpty || busy) && cond.wait(until: deadline) {}
    stopping = true
    cond.broadcast()
    cond.unlock()
  }

  private func work() {
    while true {
      cond.lock()
      while queue.isEmpty && !stopping { cond.wait() }
      if stopping { cond.unlock(); return }
      let body = queue.removeFirst()
      busy = true
      cond.unlock()
      let ok = deliver(body)
      cond.lock()
      busy = false
      if ok { stats.delivered += 1 } else { stats.failed += 1 }
      cond.broadcast()
      cond.unlock()
    }
  }

  private func deliver(_ body: [UInt8]) -> Bool {
    var headers = [("Content-Type", "application/json"), ("User-Agent", "jules-service")]
    if let secret { headers.append(("X-Signature-256", "sha256=" + HMACSHA256(key: Array(secret.utf8)).mac(bytes: body))) }
    let client = HTTPClient(timeoutSeconds: 5)
    var lastError = ""
    for attempt in 1...maxAttempts {
      do {
        let r = try client.send("POST", url, headers: headers, body: body)
        if (200..<300).contains(r.status) { return true }
        lastError = "answered \(r.status)"
        if (400..<500).contains(r.status) && r.status != 408 && r.status != 429 { break }
      } catch {
        lastError = "\(error)"
      }
      if attempt < maxAttempts {
        cond.lock()
        stats.retried += 1
        let deadline = Date().addingTimeInterval(baseBackoff * pow(2, Double(attempt - 1)))
        while !stopping && cond.wait(until: deadline) {}
        let stop = stopping
        cond.unlock()
        if stop { break }
      }
    }
    logger.warn("webhook delivery failed", ["webhook": label, "error": lastError])
    return false
  }
}
