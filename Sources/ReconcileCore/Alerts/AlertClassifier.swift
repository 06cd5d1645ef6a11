/// Which alert a planned step or a failed step deserves, from the kind and the reasons the planner gave.
/// Pure: the controller sends what this returns.
public enum AlertClassifier {
  /// What observation found wrong with a resource, before anything is applied.
  public static func observed(_ step: Step) -> AlertEvent? {
    switch step.id.kind {
    case "container":
      if step.reasons.contains("container is unhealthy") { return .containerUnhealthy }
      let dead = ["container is exited", "container is dead", "container is restarting"]
      if step.reasons.contains(where: { r in dead.contains { r.hasPrefix($0) } }) { return .containerDied }
    case "job", "backup":
      if step.reasons.contains(where: { $0.hasPrefix("failed ") && $0.contains("times in a row") }) { return .jobFailing }
      if step.id.kind == "backup", step.reasons.contains(where: { $0.hasPrefix("last good backup") || $0.hasPrefix("no good backup") }) {
        return .backupOverdue
      }
    default:
      break
    }
    return nil
  }

  /// A failed step that means more than "apply failed": a certificate whose renewal failed.
  public static func failed(_ step: Step) -> AlertEvent? {
    if step.id.kind == "certificate", step.reasons.contains(where: { $0.hasPrefix("renew:") }) { return .certificateExpiring }
    return nil
  }
}
