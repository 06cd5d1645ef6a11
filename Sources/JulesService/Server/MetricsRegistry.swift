import Foundation
import Essentials

/// Counters, gauges and histograms, rendered as Prometheus text with `# HELP` and `# TYPE` on every metric: HTTP
/// requests and latency per route, responses by status class, Jules API call latency and errors by type,
/// authentication failures, rate-limit hits, poll and sync runs, and the process's own figures.
public final class MetricsRegistry: Sendable {
  static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

  /// Cumulative bucket counts, sum and count of one labelled series.
  struct Histogram {
    var counts = [Int](repeating: 0, count: MetricsRegistry.buckets.count)
    var sum = 0.0
    var count = 0

    mutating func observe(_ seconds: Double) {
      for (i, b) in MetricsRegistry.buckets.enumerated() where seconds <= b { counts[i] += 1 }
      sum += seconds
      count += 1
    }
  }

  struct State {
    var requests: [String: Int] = [:]  // "route|status"
    var latency: [String: Histogram] = [:]  // by route
    var statusClasses: [String: Int] = [:]
    var upstream: [String: Histogram] = [:]  // by method
    var upstreamErrors: [String: Int] = [:]  // by type
    var authFailures: [String: Int] = [:]
    var rateLimited = 0
    var syncRuns = 0
    var syncFailures = 0
    var pollRuns = 0
    var pollFailures = 0
  }

  private let state = Locked(State())
  /// Values read at render time: name -> (help, read).
  let gauges: Locked<[String: (help: String, read: @Sendable () -> Double)]> = Locked([:])
  /// Counters kept elsewhere (webhook queues), read at render time: name -> (help, read).
  let externalCounters: Locked<[String: (help: String, read: @Sendable () -> Double)]> = Locked([:])
  let started = Date()

  public init() {}

  public func observeRequest(route: String, status: Int, seconds: Double) {
    state.withLock { s in
      s.requests["\(route)|\(status)", default: 0] += 1
      s.latency[route, default: Histogram()].observe(seconds)
      s.statusClasses["\(status / 100)xx", default: 0] += 1
    }
  }

  /// A call to the Jules API: its time, and `error` (`timeout`, `rate_limited`, `unavailable`, `unreachable`) when
  /// it failed.
  public func observeUpstream(method: String, seconds: Double, error: String?) {
    state.withLock { s in
      s.upstream[method, default: Histogram()].observe(seconds)
      if let error { s.upstreamErrors[error, default: 0] += 1 }
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
  public func gauge(_ name: String, help: String, _ read: @escaping @Sendable () -> Double) { gauges.withLock { $0[name] = (help, read) } }
  public func counter(_ name: String, help: String, _ read: @escaping @Sendable () -> Double) {
    externalCounters.withLock { $0[name] = (help, read) }
  }

  public func authFailures(_ cause: String) -> Int { state.current.authFailures[cause] ?? 0 }

  public func render() -> String {
    let s = state.current
    var out = ""
    func head(_ name: String, _ type: String, _ help: String) { out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n" }
    func histogram(_ name: String, _ label: String, _ series: [String: Histogram]) {
      for key in series.keys.sorted() {
        let h = series[key]!
        for (i, b) in Self.buckets.enumerated() { out += "\(name)_bucket{\(label)=\"\(key)\",le=\"\(b)\"} \(h.counts[i])\n" }
        out += "\(name)_bucket{\(label)=\"\(key)\",le=\"+Inf\"} \(h.count)\n\(name)_sum{\(label)=\"\(key)\"} \(h.sum)\n\(name)_count{\(label)=\"\(key)\"} \(h.count)\n"
      }
    }
    head("jules_http_requests_total", "counter", "HTTP requests by route and status.")
    for key in s.requests.keys.sorted() {
      let p = key.split(separator: "|", maxSplits: 1)
      out += "jules_http_requests_total{route=\"\(p[0])\",status=\"\(p[1])\"} \(s.requests[key]!)\n"
    }
    head("jules_http_request_duration_seconds", "histogram", "HTTP request latency by route.")
    histogram("jules_http_request_duration_seconds", "route", s.latency)
    head("jules_http_responses_total", "counter", "HTTP responses by status class.")
    for c in ["2xx", "3xx", "4xx", "5xx"] { out += "jules_http_responses_total{class=\"\(c)\"} \(s.statusClasses[c] ?? 0)\n" }
    head("jules_api_request_duration_seconds", "histogram", "Calls to the Jules API by method, answered or not.")
    histogram("jules_api_request_duration_seconds", "method", s.upstream)
    head("jules_api_errors_total", "counter", "Failed calls to the Jules API by type.")
    for t in ["timeout", "rate_limited", "unavailable", "unreachable"] { out += "jules_api_errors_total{type=\"\(t)\"} \(s.upstreamErrors[t] ?? 0)\n" }
    head("jules_auth_failures_total", "counter", "Rejected /api and /ws requests by cause.")
    for cause in ["allowlist", "fingerprint", "throttled", "token"] { out += "jules_auth_failures_total{cause=\"\(cause)\"} \(s.authFailures[cause] ?? 0)\n" }
    head("jules_rate_limited_total", "counter", "Requests refused by the per-client rate limit.")
    out += "jules_rate_limited_total \(s.rateLimited)\n"
    for (name, help, value) in [
      ("jules_sync_runs_total", "LiteWriter sync runs.", s.syncRuns), ("jules_sync_failures_total", "LiteWriter sync runs that failed.", s.syncFailures),
      ("jules_poll_runs_total", "Polls of the Jules API.", s.pollRuns), ("jules_poll_failures_total", "Polls that failed.", s.pollFailures),
    ] {
      head(name, "counter", help)
      out += "\(name) \(value)\n"
    }
    for (name, c) in externalCounters.current.sorted(by: { $0.key < $1.key }) {
      head(name, "counter", c.help)
      out += "\(name) \(Self.format(c.read()))\n"
    }
    for (name, g) in gauges.current.sorted(by: { $0.key < $1.key }) {
      head(name, "gauge", g.help)
      out += "\(name) \(Self.format(g.read()))\n"
    }
    let p = ProcessFigures.read()
    head("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
    out += "process_resident_memory_bytes \(p.residentBytes)\n"
    head("process_open_fds", "gauge", "Open file descriptors.")
    out += "process_open_fds \(p.openFDs)\n"
    head("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.")
    out += "process_cpu_seconds_total \(p.cpuSeconds)\n"
    head("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.")
    out += "process_start_time_seconds \(Int(started.timeIntervalSince1970))\n"
    return out
  }

  static func format(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
}

/// The process's own figures, from `/proc/self` and `getrusage`.
enum ProcessFigures {
  static func read() -> (residentBytes: Int, openFDs: Int, cpuSeconds: Double) {
    var rss = 0
    let statm = (ProcFile.read("/proc/self/statm") ?? "").split(separator: " ")
    if statm.count > 1, let pages = Int(statm[1]) { rss = pages * Int(sysconf(Int32(_SC_PAGESIZE))) }
    let fds = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).count
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    return (rss, fds, cpu)
  }

}
