/// Reads the host for the given targets in one pass. Implemented by drivers (filesystem, Docker Engine, …).
public protocol HostObserver: Sendable {
  func observe(_ targets: [ObserveTarget]) async throws -> ObservedState
}

/// Performs one planned step. Carries no decision logic: the planner decided.
public protocol StepPerformer: Sendable {
  func perform(_ step: Step) async throws
}

/// Removes every known secret value from text bound for a terminal, a log, the state or an alert.
public struct Redactor: Sendable {
  let secrets: [String]

  public init(secrets: some Sequence<String>) {
    self.secrets = secrets.filter { $0.count >= 3 }.sorted { $0.count > $1.count }
  }

  public func redact(_ text: String) -> String {
    var out = text
    for s in secrets where out.contains(s) { out = out.replacingOccurrences(of: s, with: "(sensitive value)") }
    return out
  }
}

import Foundation
