import Foundation

/// How one resource differs from the last apply or the manifests.
public struct DriftEntry: Sendable, Hashable {
  public enum Status: String, Sendable, Codable {
    /// Applied, then changed on the host outside reconcile.
    case changed
    /// Applied, then removed from the host.
    case missing
    /// Declared and present on the host, but never applied by reconcile.
    case unmanaged
    /// The manifests ask for something the last apply did not (not applied yet).
    case pending
    /// Applied before, no longer declared: the next apply destroys it.
    case orphaned
  }

  public var id: ResourceID
  public var status: Status
  public var detail: String
  public var changes: [FieldChange]
}

/// What `reconcile drift` found, at one time.
public struct DriftReport: Sendable {
  public var time: Date
  public var entries: [DriftEntry]
  public var inSync: Int

  public var hasDrift: Bool { !entries.isEmpty }
}

/// Compares the observed host with the last applied state and with the manifests. Pure.
public struct DriftAnalyzer: Sendable {
  public let form: RecordForm

  public init(form: RecordForm) { self.form = form }

  public func analyze(_ manifest: Manifest, observed: ObservedState, state: StateSnapshot, plan: Plan, now: Date) -> DriftReport {
    var entries: [DriftEntry] = []
    let steps = Dictionary(plan.steps.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    for r in manifest.resources {
      let obs = observed[r.id]
      let step = steps[r.id]
      guard let record = state.resources[r.id] else {
        if obs.exists, !r.spec.wantsAbsent {
          entries.append(DriftEntry(id: r.id, status: .unmanaged, detail: "present on the host but never applied by reconcile", changes: step?.changes ?? []))
        } else if step != nil {
          entries.append(DriftEntry(id: r.id, status: .pending, detail: "declared but not applied yet", changes: step?.changes ?? []))
        }
        continue
      }
      if !obs.exists, !r.spec.wantsAbsent {
        entries.append(DriftEntry(id: r.id, status: .missing, detail: "applied \(Self.stamp(record.appliedAt)), missing on the host now", changes: []))
      } else if let fields = hostChanges(record, obs), !fields.isEmpty {
        let shown = step?.changes.filter { c in fields.contains(c.field) } ?? []
        entries.append(DriftEntry(id: r.id, status: .changed, detail: "changed on the host since the last apply: \(fields.joined(separator: ", "))", changes: shown))
      } else if let step, record.fingerprint != form.fingerprint(of: r.spec) {
        entries.append(DriftEntry(id: r.id, status: .pending, detail: "the manifests changed since the last apply", changes: step.changes))
      } else if let step {
        entries.append(DriftEntry(id: r.id, status: .changed, detail: step.reasons.joined(separator: "; "), changes: step.changes))
      }
    }
    for record in state.resources.values.sorted(by: { $0.id < $1.id }) where !manifest.contains(record.id) && observed[record.id].exists {
      entries.append(DriftEntry(id: record.id, status: .orphaned, detail: "no longer in the manifests; the next apply destroys it", changes: []))
    }
    return DriftReport(time: now, entries: entries, inSync: manifest.resources.count - entries.filter { $0.status != .orphaned }.count)
  }

  /// Fields whose observed value differs from what was recorded at the last apply.
  func hostChanges(_ record: ResourceRecord, _ obs: Observation) -> [String]? {
    guard obs.exists else { return nil }
    return record.attributes.keys.sorted().filter { key in
      guard let seen = obs.attributes[key] else { return false }
      return form.observed(seen, like: record.attributes[key]!) != record.attributes[key]
    }
  }

  static func stamp(_ d: Date) -> String {
    let f = ISO8601DateFormatter()
    return f.string(from: d)
  }
}
