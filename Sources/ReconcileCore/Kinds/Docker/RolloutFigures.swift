import Foundation

/// What nginx and the Engine saw of a new version during one rollout step: the requests nginx sent it, the 5xx
/// answers among them, their 95th-percentile time, its health and memory.
public struct VersionFigures: Sendable, Hashable {
  public var requests = 0
  public var errors = 0
  /// Seconds; nil without requests.
  public var p95: Double?
  /// Failed health checks in a row (the Engine's failing streak).
  public var healthFailures = 0
  /// Memory use against its limit, in percent (nil without a limit).
  public var memoryPercent: Double?
  /// Why the container is no longer running, when it is not.
  public var stopped: String?

  public init(requests: Int = 0, errors: Int = 0, p95: Double? = nil, healthFailures: Int = 0, memoryPercent: Double? = nil, stopped: String? = nil) {
    self.requests = requests
    self.errors = errors
    self.p95 = p95
    self.healthFailures = healthFailures
    self.memoryPercent = memoryPercent
    self.stopped = stopped
  }

  /// In percent.
  public var errorRate: Double { requests == 0 ? 0 : Double(errors) * 100 / Double(requests) }

  /// The limits these figures break. Request figures count once there are `minRequests` of them, or at the step's
  /// end (`final`) once there is one; a stopped container or failing health checks count at once.
  public func breaches(of a: Rollout.Analysis, final: Bool) -> [RolloutBreach] {
    var out: [RolloutBreach] = []
    if let stopped { out.append(.stopped(stopped)) }
    if healthFailures >= a.maxHealthFailures { out.append(.healthChecks(failures: healthFailures, limit: a.maxHealthFailures)) }
    if let memoryPercent, memoryPercent > a.maxMemory { out.append(.memory(percent: memoryPercent, limit: a.maxMemory)) }
    guard requests >= (final ? 1 : a.minRequests) else { return out }
    if errorRate > a.maxErrorRate { out.append(.errorRate(errors: errors, requests: requests, limit: a.maxErrorRate)) }
    if let p95, p95 > a.maxP95 { out.append(.p95(seconds: p95, limit: a.maxP95)) }
    return out
  }

  /// `212 requests, 0 errors (0%), p95 4ms`.
  public var text: String {
    guard requests > 0 else { return "no requests reached it yet" }
    var parts = ["\(requests) request\(requests == 1 ? "" : "s"), \(errors) error\(errors == 1 ? "" : "s") (\(FigureText.percent(errorRate)))"]
    if let p95 { parts.append("p95 \(FigureText.seconds(p95))") }
    if let memoryPercent { parts.append("memory \(FigureText.percent(memoryPercent)) of its limit") }
    return parts.joined(separator: ", ")
  }
}

/// A limit the new version broke, rendered for the failure and the alert.
public enum RolloutBreach: Sendable, Hashable {
  case errorRate(errors: Int, requests: Int, limit: Double)
  case p95(seconds: Double, limit: Double)
  case healthChecks(failures: Int, limit: Int)
  case memory(percent: Double, limit: Double)
  case stopped(String)
  /// Not a figure: a person ran `reconcile abort` at a pause.
  case aborted

  public var text: String {
    switch self {
    case .errorRate(let errors, let requests, let limit):
      "error rate \(FigureText.percent(Double(errors) * 100 / Double(max(requests, 1)))) > \(FigureText.percent(limit)) (\(errors) of \(requests) requests)"
    case .p95(let seconds, let limit): "p95 \(FigureText.seconds(seconds)) > \(FigureText.seconds(limit))"
    case .healthChecks(let failures, let limit): "\(failures) failed health checks in a row (limit \(limit))"
    case .memory(let percent, let limit): "memory \(FigureText.percent(percent)) of its limit > \(FigureText.percent(limit))"
    case .stopped(let why): "the new container stopped (\(why))"
    case .aborted: "aborted by `reconcile abort`"
    }
  }
}

/// A step's word while it runs, as a typed value the progress printer renders.
public enum StepNote: Sendable, Hashable {
  /// A rollout step held for its interval and judged within limits.
  case rolloutStepPassed(strategy: Rollout.Strategy, percent: Int, figures: VersionFigures)
  /// A rollout step broke the limits: traffic went back to the old container.
  case rolledBack(strategy: Rollout.Strategy, percent: Int, breaches: [RolloutBreach])
  /// A `"pause"` step: the share stays until a person decides.
  case paused(strategy: Rollout.Strategy, percent: Int, name: String)
  /// `reconcile promote` answered a pause.
  case promoted(strategy: Rollout.Strategy, percent: Int)
  /// An interrupted canary of the same version goes on from where it stopped.
  case resumed(strategy: Rollout.Strategy, percent: Int)
  /// A blue-green found the wanted version kept running (`keepPrevious`, its name) and switches back to it.
  case switchedBack(name: String)
  /// A blue-green keeps the version it replaced running out of the upstream (as `name`) until `until`.
  case keptPrevious(name: String, until: String)

  public var text: String {
    switch self {
    case .rolloutStepPassed(let strategy, let percent, let figures):
      "\(strategy.rawValue) at \(percent)%: \(figures.text); within limits"
    case .rolledBack(let strategy, let percent, let breaches):
      "\(strategy.rawValue) rolled back at \(percent)%: \(breaches.map(\.text).joined(separator: "; "))"
    case .paused(let strategy, let percent, let name):
      "\(strategy.rawValue) paused at \(percent)%: `reconcile promote \(name)` goes on, `reconcile abort \(name)` goes back"
    case .promoted(let strategy, let percent): "\(strategy.rawValue) promoted at \(percent)%; going on"
    case .resumed(let strategy, let percent): "\(strategy.rawValue) resumed at \(percent)%, where the interrupted apply left it"
    case .switchedBack(let name): "blue-green switches back to the previous version, kept running as \(name): no container to start"
    case .keptPrevious(let name, let until): "blue-green keeps the previous version running out of the upstream as \(name) until \(until)"
    }
  }
}

/// Where a running step's notes go: the executor listens for the step while it runs; drivers `post` for their step.
/// (A registry by step, not a task-local value: binding one in each executor task crashed release builds in
/// `swift_task_localValuePush`.)
public enum StepNotes {
  private final class Registry: @unchecked Sendable {
    let lock = NSLock()
    var sinks: [ResourceID: @Sendable (StepNote) -> Void] = [:]
  }

  private static let registry = Registry()

  /// Runs `body` with `sink` hearing the notes posted for `id`.
  public static func listening<T>(for id: ResourceID, _ sink: @escaping @Sendable (StepNote) -> Void, _ body: () async throws -> T) async rethrows -> T {
    registry.lock.withLock { registry.sinks[id] = sink }
    defer { registry.lock.withLock { registry.sinks[id] = nil } }
    return try await body()
  }

  public static func post(_ note: StepNote, for id: ResourceID) { registry.lock.withLock { registry.sinks[id] }?(note) }
}

/// Figures as people read them: `12.4%`, `5%`, `4ms`, `3.21s`.
public enum FigureText {
  public static func percent(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    return r == r.rounded() ? "\(Int(r))%" : String(format: "%.1f%%", r)
  }

  public static func seconds(_ s: Double) -> String {
    if s < 1 { return "\(Int((s * 1000).rounded()))ms" }
    return s == s.rounded() ? "\(Int(s))s" : String(format: "%.2fs", s)
  }
}
