import Foundation

/// How one step ended.
public struct StepOutcome: Sendable {
  public enum Status: Sendable, Equatable {
    case succeeded
    case failed(String)
    case skipped(String)
  }

  public var id: ResourceID
  public var action: Action
  public var status: Status
  public var seconds: Double
  /// A failure that judged the desired state (`OperationError.isVerdict`): not worth retrying as it is.
  public var isVerdict = false
  /// What the step said while it ran (a canary's figures at each step), as the progress lines showed it.
  public var notes: [String] = []

  public init(id: ResourceID, action: Action, status: Status, seconds: Double, isVerdict: Bool = false) {
    self.id = id
    self.action = action
    self.status = status
    self.seconds = seconds
    self.isVerdict = isVerdict
  }
}
