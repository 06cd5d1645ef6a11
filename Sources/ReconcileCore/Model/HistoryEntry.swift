import Foundation

/// One line of `state/history.jsonl`: who applied what, from which revision, and how each step ended.
/// Errors are redacted when the entry is made, so no store ever holds a secret.
public struct HistoryEntry: Codable, Sendable, Equatable {
  public struct StepLine: Codable, Sendable, Equatable {
    public var address: String
    public var action: String
    public var outcome: String
    public var seconds: Double
    public var error: String?
    /// What the step said while it ran (a canary's figures at each step); absent when it said nothing.
    public var notes: [String]?
  }

  /// Who ran an apply: the user (the one behind `sudo` when there is one) and the host.
  public struct Operator: Sendable, Equatable {
    public var user: String
    public var host: String

    public init(user: String, host: String) {
      self.user = user
      self.host = host
    }
  }

  public var time: Date
  public var user: String
  public var host: String
  public var command: String
  public var triggers: [String]
  public var manifestDigest: String
  public var revision: String?
  public var serial: Int
  public var seconds: Double
  public var steps: [StepLine]

  public init(
    started: Date, seconds: Double, command: String, triggers: [String], by who: Operator, manifestDigest: String, revision: String?,
    serial: Int, outcomes: [StepOutcome], redactor: Redactor
  ) {
    time = started
    user = who.user
    host = who.host
    self.command = command
    self.triggers = triggers
    self.manifestDigest = manifestDigest
    self.revision = revision
    self.serial = serial
    self.seconds = Self.millis(seconds)
    steps = outcomes.map { o in
      var outcome = "succeeded"
      var error: String?
      switch o.status {
      case .succeeded: break
      case .failed(let e): outcome = "failed"; error = redactor.redact(e)
      case .skipped(let e): outcome = "skipped"; error = e
      }
      return StepLine(
        address: o.id.description, action: o.action.rawValue, outcome: outcome, seconds: Self.millis(o.seconds), error: error,
        notes: o.notes.isEmpty ? nil : o.notes.map(redactor.redact))
    }
  }

  static func millis(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}
