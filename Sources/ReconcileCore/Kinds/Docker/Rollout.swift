import Foundation

/// How a routed container's new version takes the traffic (`update.strategy` `canary` or `blue-green`): the new
/// container starts beside the old one, and once it is healthy nginx sends it `steps` percent of the requests in turn,
/// each held for `interval` while `analysis` judges the new version on what nginx saw; a breach sends every request
/// back to the old container and removes the new one. Argo Rollouts' canary and blue-green, on one host.
public struct Rollout: Sendable, Hashable {
  public enum Strategy: String, Sendable { case canary, blueGreen = "blue-green" }

  public var strategy: Strategy
  /// Percent of the requests the new version gets at each step, or a pause until `reconcile promote` (or `abort`);
  /// the last is 100.
  public var steps: [RolloutStep]
  /// How long each step is held and analysed (for blue-green, how long the old set stays ready to take over).
  public var interval: Double
  public var analysis: Analysis
  /// Blue-green only: how long the old container stays running (out of the upstream) once the new one has all the
  /// traffic, so that going back to it (`reconcile rollback`, or the manifests changed back) is a switch, not a start.
  public var keepPrevious: Double?

  /// The share (percent) the new version has once the steps before `end` (an index) are taken: 0 before any.
  public func share(before end: Int) -> Int {
    steps.prefix(end).reduce(0) { if case .percent(let p) = $1 { p } else { $0 } }
  }

  public init(strategy: Strategy, steps: [RolloutStep], interval: Double, analysis: Analysis = Analysis()) {
    self.strategy = strategy
    self.steps = steps
    self.interval = interval
    self.analysis = analysis
  }

  /// The limits a new version must keep at every step (the seeds' rollback rules are the defaults).
  public struct Analysis: Sendable, Hashable {
    /// Highest share of 5xx answers, in percent.
    public var maxErrorRate: Double = 5
    /// Highest 95th-percentile response time, in seconds.
    public var maxP95: Double = 3
    /// Failed health checks in a row that end the rollout.
    public var maxHealthFailures: Int = 3
    /// Highest memory use against the container's limit, in percent (only with a `memory` limit).
    public var maxMemory: Double = 90
    /// Requests needed before a breach ends a step early; at a step's end any count is judged.
    public var minRequests: Int = 20

    public init() {}

    /// `errors > 5%, p95 > 3s or 3 failed health checks`.
    public var limitsText: String {
      "errors > \(FigureText.percent(maxErrorRate)), p95 > \(ResourceQuantity.format(seconds: maxP95)) or \(maxHealthFailures) failed health checks"
    }
  }
}

/// One step of a canary: a share of the requests for the new version, or a pause that waits for a person.
public enum RolloutStep: Sendable, Hashable, CustomStringConvertible {
  case percent(Int)
  /// Holds the current share until `reconcile promote NAME` (go on) or `reconcile abort NAME` (go back).
  case pause

  /// `10%`, `pause`.
  public var description: String {
    switch self {
    case .percent(let p): "\(p)%"
    case .pause: "pause"
    }
  }
}
