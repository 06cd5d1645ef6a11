import ReconcileCore

/// Splits a plan into what the controller applies and the drift it only reports (report-only resources), and leaves
/// degraded resources alone.
public struct DriftPolicy: Sendable {
  public let manifest: Manifest
  public let form: RecordForm

  public init(manifest: Manifest, form: RecordForm) {
    self.manifest = manifest
    self.form = form
  }

  /// A step corrects drift when the manifest asks for what was last applied (the host moved, not the manifest) and
  /// it has something to correct: a step that only reports runs (a failing job) corrects nothing.
  public func isDrift(_ step: Step, state: StateSnapshot) -> Bool {
    guard step.why.contains(where: { !$0.isReportOnly }) else { return false }
    guard let spec = step.desired, let record = state.resources[step.id] else { return false }
    return record.fingerprint == form.fingerprint(of: spec)
  }

  public struct Split: Sendable {
    /// What the controller executes.
    public var apply: Plan
    /// Drift of report-only resources: shown and alerted, not corrected.
    public var held: [Step]
    /// Every step that corrects drift, held or not.
    public var driftIDs: [ResourceID]
  }

  public func split(_ plan: Plan, state: StateSnapshot, degraded: Set<ResourceID>) -> Split {
    var apply = plan
    var held: [Step] = []
    var drift: [ResourceID] = []
    apply.steps = plan.steps.filter { step in
      if degraded.contains(step.id) { return false }
      guard isDrift(step, state: state) else { return true }
      drift.append(step.id)
      if manifest.selfHeals(step.id) { return true }
      held.append(step)
      return false
    }
    return Split(apply: apply, held: held, driftIDs: drift)
  }
}
