import Foundation
import ReconcileCore

/// Where a canary that reached a `"pause"` step waits for a person: the apply writes `DIR/NAME.paused` (its pid and
/// the share the new version has) and waits for `DIR/NAME.decision`, which `reconcile promote NAME` or `reconcile
/// abort NAME` writes from another shell. Both files go once the decision is taken. `DIR` is the state directory's
/// `rollouts/`.
public struct RolloutGate: Sendable {
  public enum Decision: String, Sendable { case promote, abort }

  public let directory: String?

  public static let none = RolloutGate(directory: nil)

  public init(directory: String?) { self.directory = directory }

  /// Waits until a decision for `id` is written. Without a directory nobody can answer, so the pause is an abort.
  func wait(for id: ResourceID, at percent: Int) async -> Decision {
    guard let directory else { return .abort }
    let paused = "\(directory)/\(id.name).paused", decision = "\(directory)/\(id.name).decision"
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    unlink(decision)
    try? HostFiles.write("\(getpid()) \(percent)\n", to: paused)
    defer {
      unlink(paused)
      unlink(decision)
    }
    while true {
      if let text = HostFiles.read(decision), let d = Decision(rawValue: text.trimmingCharacters(in: .whitespacesAndNewlines)) { return d }
      // A stopping reconcile (SIGTERM) leaves the traffic as it is and goes: the next run starts over.
      if Task.isCancelled { return .abort }
      try? await Task.sleep(nanoseconds: 200_000_000)
    }
  }

  /// Answers the rollout of container `name` that waits in `directory`; returns the waiting apply's pid and the
  /// share the new version has. Throws when no apply waits.
  public static func decide(_ decision: Decision, name: String, in directory: String) throws -> (pid: Int32, percent: Int) {
    let paused = "\(directory)/\(name).paused"
    let words = (HostFiles.read(paused) ?? "").split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    guard words.count == 2, let pid = Int32(words[0]), let percent = Int(words[1]), kill(pid, 0) == 0 else {
      throw OperationError(doing: "\(decision.rawValue) container/\(name)", "no rollout of it waits at a pause (nothing in \(directory))")
    }
    try HostFiles.write(decision.rawValue + "\n", to: "\(directory)/\(name).decision")
    return (pid, percent)
  }
}
