import Foundation

/// What the run records of a scheduled job say, read from observation facts: the last success, consecutive
/// failures, and when the schedule was installed. Pure.
public struct RunHealth: Sendable {
  public var lastSuccess: Date?
  public var installedAt: Date?
  public var failures: Int
  public var lastStatus: String?

  public init(facts: [Fact: String]) {
    lastSuccess = facts[.lastSuccess].flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
    installedAt = facts[.installedAt].flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
    failures = Int(facts[.failures] ?? "0") ?? 0
    lastStatus = facts[.lastStatus]
  }

  /// Findings for a late last success (`last success 3h ago, expected every 5m`) and for repeated failures.
  /// `what` names the success: a job's run or a backup's verified archive.
  public func findings(expected: Double, lateAfter: Double, failuresBeforeAlert: Int, now: Date, what: RunSubject) -> [Finding] {
    var out: [Finding] = []
    if let last = lastSuccess {
      let age = now.timeIntervalSince(last)
      if age > lateAfter { out.append(Finding(.run(.late(what, age: age, every: expected)), effect: .update)) }
    } else if let installed = installedAt, now.timeIntervalSince(installed) > lateAfter {
      out.append(Finding(.run(.never(what, age: now.timeIntervalSince(installed), every: expected)), effect: .update))
    }
    if failures >= failuresBeforeAlert {
      out.append(Finding(.run(.failing(times: failures, last: lastStatus)), effect: .update))
    }
    return out
  }
}
