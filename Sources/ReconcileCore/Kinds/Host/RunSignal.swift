import Foundation

/// What the run records of a job or a backup say is wrong.
public enum RunSignal: Sendable, Hashable {
  /// The last success is older than allowed (`age` and `every` in seconds).
  case late(RunSubject, age: Double, every: Double)
  /// No success since the schedule was installed `age` seconds ago.
  case never(RunSubject, age: Double, every: Double)
  /// The last `times` runs failed.
  case failing(times: Int, last: String?)

  public var reason: String {
    switch self {
    case .late(let what, let age, let every):
      "last \(what.rawValue) \(DurationText.coarse(age)) ago, expected every \(DurationText.format(every))"
    case .never(let what, let age, let every):
      "no \(what.rawValue) since it was installed \(DurationText.coarse(age)) ago, expected every \(DurationText.format(every))"
    case .failing(let times, let last):
      "failed \(times) times in a row (last: \(last ?? "unknown"))"
    }
  }

  /// True for a success that is overdue (late or never).
  public var isOverdue: Bool {
    if case .failing = self { return false }
    return true
  }
}

/// What counts as a success: a job's run, a backup's verified archive.
public enum RunSubject: String, Sendable, Hashable {
  case success
  case goodBackup = "good backup"
}
