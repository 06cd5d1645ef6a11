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
    if step.id.kind == "backup", any({ if case .run(let s) = $0 { s.isOverdue } else { false } }) { return .backupOverdue }
    return nil
  }

  /// A failed step that means more than "apply failed": a certificate whose renewal failed.
  public static func failed(_ step: Step) -> AlertEvent? {
    step.signals.contains { if case .certificate(let s) = $0 { s.isRenewal } else { false } } ? .certificateExpiring : nil
  }
}
