import Foundation
import ReconcileCore

/// The state after an apply: successful steps recorded, destroyed and forgotten resources dropped, a failed step keeps
/// its old record; unchanged resources get a fresh record only when it would differ (a new edge, a moved locator). An
/// adopted or moved object's record keeps its adoption or former address until a step puts an object of reconcile's
/// own in its place.
public struct StateBuilder: Sendable {
  public let form: RecordForm
  public let manifest: Manifest

  public func build(from state: StateSnapshot, plan: Plan, outcomes: [StepOutcome], now: Date) -> StateSnapshot {
    var next = state
    let planned = Set(plan.steps.map(\.id))
    for id in plan.unchanged where !planned.contains(id) {
      guard let r = manifest[id] else { continue }
      var fresh = form.record(for: r, at: now)
      fresh.adopted = state.resources[id]?.adopted
      fresh.formerly = state.resources[id]?.formerly
      if let old = state.resources[id], old.fingerprint == fresh.fingerprint, old.locator == fresh.locator, old.dependsOn == fresh.dependsOn {
        continue
      }
      next.resources[id] = fresh
    }
    for id in plan.forgotten { next.resources[id] = nil }
    for o in outcomes {
      if o.status == .succeeded {
        next.resources[o.id] = record(after: o, prior: state.resources[o.id], at: now)
      } else if o.action == .create, state.resources[o.id] == nil, case .failed = o.status {
        // What a failed create left behind (a container that would not start) stays tracked.
        next.resources[o.id] = provisional(o.id, at: now)
      }
    }
    return next
  }

  /// The record of a create about to begin: what the object will be, marked provisional.
  public func provisional(_ id: ResourceID, at now: Date) -> ResourceRecord? {
    guard let r = manifest[id] else { return nil }
    var record = form.record(for: r, at: now)
    record.provisional = true
    return record
  }

  /// What a successful step leaves on record: nil once the resource is gone. An object changed in place is still the
  /// one taken over (`prior`'s adoption stays); a created or replaced one carries its own labels.
  public func record(after o: StepOutcome, prior: ResourceRecord?, at now: Date) -> ResourceRecord? {
    guard o.action != .destroy, let r = manifest[o.id], !r.spec.wantsAbsent else { return nil }
    var record = form.record(for: r, at: now)
    if o.action == .update {
      record.adopted = prior?.adopted
      record.formerly = prior?.formerly
    }
    return record
  }
}
