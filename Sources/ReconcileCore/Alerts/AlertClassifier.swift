/// Which alert a planned step or a failed step deserves, from the kind's typed signals. Pure: the controller sends
/// what this returns.
public enum AlertClassifier {
  /// What observation found wrong with a resource, before anything is applied; the first matching rule wins.
  public static func observed(_ step: Step) -> AlertEvent? {
    let signals = step.signals
    func any(_ test: (Signal) -> Bool) -> Bool { signals.contains(where: test) }
    if any({ $0 == .container(.unhealthy) }) { return .containerUnhealthy }
    if any({ if case .container(let s) = $0 { s.isDeath } else { false } }) { return .containerDied }
    if any({ if case .run(.failing) = $0 { true } else { false } }) { return .jobFailing }
    if any({ if case .site(.notRunning) = $0 { true } else { false } }) { return .serverDown }
    // Swarm undid an update by itself: the version the manifests want did not hold.
    if any({ if case .service(.updateStopped(let state, _)) = $0 { state.hasPrefix("rollback") } else { false } }) { return .rolloutRolledBack }
    if any({ if case .service(.desiredVersionRolledBack) = $0 { true } else { false } }) { return .rolloutRolledBack }
    if any({ if case .service(.tasksNotRunning(_, _, let down, _)) = $0 { !down.isEmpty } else { false } }) { return .resourceDegraded }
    if step.id.kind == "backup", any({ if case .run(let s) = $0 { s.isOverdue } else { false } }) { return .backupOverdue }
    return nil
  }

  /// A failed step that means more than "apply failed": a certificate whose renewal failed.
  public static func failed(_ step: Step) -> AlertEvent? {
    step.signals.contains { if case .certificate(let s) = $0 { s.isRenewal } else { false } } ? .certificateExpiring : nil
  }
}
