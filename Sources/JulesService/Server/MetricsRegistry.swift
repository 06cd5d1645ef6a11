import Foundation
import Essentials

/// Counters, gauges and a latency histogram, rendered as Prometheus text.
public final class MetricsRegistry: Sendable {
  static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

  struct State {
    var requests: [String: Int] = [:]  // "route|status"
    var latencyCounts = [Int](repeating: 0, count: MetricsRegistry.buckets.count)
    var latencySum = 0.0
    var latencyTotal = 0
    var authFailures: [String: Int] = [:]
    var rateLimited = 0
    var syncRuns = 0
    var syncFailures = 0
    var pollRuns = 0
    var pollFailures = 0
  }

  private let state = Locked(State())
  /// Values read at render time (sessions, live clients, webhook queue).
  let gauges: Locked<[String: @Sendable () -> Double]> = Locked([:])

  public init() {}

  public func observeRequest(route: String, status: Int, seconds: Double) {
    state.withLock { s in
      s.requests["\(route)|\(status)", default: 0] += 1
      for (i, b) in Self.buckets.enumerated() where seconds <= b { s.latencyCounts[i] += 1 }
      s.latencySum += seconds
      s.latencyTotal += 1
    }
  }

  public func authFailure(_ cause: String) { state.withLock { $0.authFailures[cause, default: 0] += 1 } }
  public func rateLimitHit() { state.withLock { $0.rateLimited += 1 } }
  public func syncRun(failed: Bool) {
    state.withLock {
      $0.syncRuns += 1; if failed { $0.syncFailures += 1 }
    }
  }
  public func pollRun(failed: Bool) {
    state.withLock {
      $0.pollRuns += 1; if failed { $0.pollFailures += 1 }
    }
  }
  public func gauge(_ name: String, _ read: @escaping @Sendable () -> Double) { gauges.withLock { $0[name] = read } }

  public func authFailures(_ cause: String) -> Int { state.current.authFailures[cause] ?? 0 }

  public func render() -> String {
    let s = state.current
    var out = ""
    out += "# HELP jules_http_requests_total HTTP requests by route and status.\n# TYPE jules_http_requests_total counter\n"
    for key in s.requests.keys.sorted() {
      let p = key.split(separator: "|", maxSplits: 1)
      out += "jules_http_requests_total{route=\"\(p[0])\",status=\"\(p[1])\"} \(s.requests[key]!)\n"
    }
    out += "# HELP jules_http_request_duration_seconds Request latency.\n# TYPE jules_http_request_duration_seconds histogram\n"
    for (i, b) in Self.buckets.enumerated() {
      out += "jules_http_request_duration_seconds_bucket{le=\"\(b)\"} \(s.latencyCounts[i])\n"
    }
    out += "jules_http_request_duration_seconds_bucket{le=\"+Inf\"} \(s.latencyTotal)\n"
    out += "jules_http_request_duration_seconds_sum \(s.latencySum)\njules_http_request_duration_seconds_count \(s.latencyTotal)\n"
    out += "# HELP jules_auth_failures_total Rejected /api requests by cause.\n# TYPE jules_auth_failures_total counter\n"
    for cause in ["allowlist", "fingerprint", "token"] {
      out += "jules_auth_failures_total{cause=\"\(cause)\"} \(s.authFailures[cause] ?? 0)\n"
    }
    out += "# TYPE jules_rate_limited_total counter\njules_rate_limited_total \(s.rateLimited)\n"
    out += "# TYPE jules_sync_runs_total counter\njules_sync_runs_total \(s.syncRuns)\n"
    out += "# TYPE jules_sync_failures_total counter\njules_sync_failures_total \(s.syncFailures)\n"
    out += "# TYPE jules_poll_runs_total counter\njules_poll_runs_total \(s.pollRuns)\n"
    out += "# TYPE jules_poll_failures_total counter\njules_poll_failures_total \(s.pollFailures)\n"
    for (name, read) in gauges.current.sorted(by: { $0.key < $1.key }) {
      out += "# TYPE \(name) gauge\n\(name) \(Self.format(read()))\n"
    }
    return out
  }

  static func format(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
}
