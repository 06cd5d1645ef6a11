import Foundation
import ReconcileCore

/// A rollout's place on the host, in the state directory's `rollouts/` (`DIR`); `DIR/NAME.previous` records the
/// version a blue-green keeps running (`KeptPrevious`). `DIR/NAME.position` records which
/// step it is at, with the old and new containers and the version's config hash, so that an apply killed halfway is
/// resumed from there by the next one. A canary that reached a `"pause"` step writes `DIR/NAME.paused` (its pid and
/// the share the new version has) and waits for `DIR/NAME.decision`, which `reconcile promote NAME` or `reconcile
/// abort NAME` writes from another shell; both files go once the decision is taken.
public struct RolloutGate: Sendable {
  public enum Decision: String, Sendable {
    case promote, abort
    /// Nobody decided: this reconcile is stopping, and the next run waits at the pause again.
    case stop
  }

  public let directory: String?

  public static let none = RolloutGate(directory: nil)

  public init(directory: String?) { self.directory = directory }

  /// Where a canary stands: its step (index into the rollout's steps), the containers and the version.
  struct Position: Codable, Equatable {
    var step: Int
    var old: String
    var new: String
    var configHash: String
    /// The steps as they were (`10%`, `pause`): a canary whose steps changed since starts over.
    var steps: [String]

    /// Whether this is a canary of `spec`'s very version and steps (then it can go on where it stopped).
    func fits(_ spec: ContainerSpec) -> Bool {
      guard let rollout = spec.rollout, spec.replicas == 1 else { return false }
      return configHash == spec.configHash && steps == rollout.steps.map(\.description)
    }

    /// The share the new version had at the recorded step.
    func share(in rollout: Rollout) -> Int { rollout.share(before: step + 1) }
  }

  func record(_ position: Position, for id: ResourceID) {
    guard let directory else { return }
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    if let data = try? JSONEncoder().encode(position) { try? HostFiles.write(String(decoding: data, as: UTF8.self), to: "\(directory)/\(id.name).position") }
  }

  func position(for id: ResourceID) -> Position? {
    guard let directory, let text = HostFiles.read("\(directory)/\(id.name).position") else { return nil }
    return try? JSONDecoder().decode(Position.self, from: Data(text.utf8))
  }

  func clear(for id: ResourceID) {
    guard let directory else { return }
    unlink("\(directory)/\(id.name).position")
  }

  /// Records the version a blue-green keeps running (`KeptPrevious`) and until when.
  func keepPrevious(_ record: KeptPrevious.Record, for id: ResourceID) {
    guard let directory else { return }
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    if let data = try? JSONEncoder().encode(record) { try? HostFiles.write(String(decoding: data, as: UTF8.self), to: "\(directory)/\(id.name).previous") }
  }

  func kept(for id: ResourceID) -> KeptPrevious.Record? {
    guard let directory, let text = HostFiles.read("\(directory)/\(id.name).previous") else { return nil }
    return try? JSONDecoder().decode(KeptPrevious.Record.self, from: Data(text.utf8))
  }

  func forgetPrevious(for id: ResourceID) {
    guard let directory else { return }
    unlink("\(directory)/\(id.name).previous")
  }

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
      // A stopping controller (SIGTERM) leaves the traffic as it is and goes: the next run waits here again.
      if Stopping.requested { return .stop }
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
