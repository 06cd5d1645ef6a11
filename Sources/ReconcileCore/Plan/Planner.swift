import Foundation
import Essentials

/// Options that change what the planner may destroy.
public struct PlanOptions: Sendable {
  /// Kinds whose prune protection is lifted (`apply --prune-volumes` adds `volume`).
  public var pruneKinds: Set<String>

  public init(pruneKinds: Set<String> = []) {
    self.pruneKinds = pruneKinds
  }
}

/// The pure middle step: (desired manifest, observed snapshot, state, now) → Plan. No I/O, no clock.
public struct Planner: Sendable {
  public let registry: KindRegistry
  public let form: RecordForm

  public init(registry: KindRegistry, form: RecordForm) {
    self.registry = registry
    self.form = form
  }

  public func plan(_ manifest: Manifest, observed: ObservedState, state: StateSnapshot, options: PlanOptions = .init(), now: Date) -> Plan {
    var steps: [Step] = []
    var unchanged: [ResourceID] = []
    var forgotten: [ResourceID] = []
    var decided: [ResourceID: Step] = [:]
    // Resources come in dependency order: a resource's findings see the steps decided for what it depends on.
    for r in manifest.resources {
      let obs = observed[r.id]
      var dependencies: [ResourceID: FindingContext.Dependency] = [:]
      for d in r.dependsOn {
        if let spec = manifest[d]?.spec { dependencies[d] = .init(spec: spec, observed: observed[d], step: decided[d]) }
      }
      let context = FindingContext(now: now, dependencies: dependencies)
      if var step = decide(r, observed: obs, record: state.resources[r.id], context: context) {
        step.after = r.dependsOn
        if step.action == .replace, let note = r.spec.replacementNote { step.why.append(note) }
        if step.action == .replace || step.action == .destroy, !r.spec.backupsFirst.isEmpty {
          step.why.append(.backsUpFirst(r.spec.backupsFirst))
        }
        if step.action != .destroy, !r.healthGates.isEmpty {
          step.healthGates = r.healthGates
          step.why.append(.waitsForHealthy(r.healthGates.map(\.id)))
        }
        decided[r.id] = step
        steps.append(step)
      } else if r.spec.wantsAbsent {
        if state.resources[r.id] != nil { forgotten.append(r.id) }
      } else {
        unchanged.append(r.id)
      }
    }
    var kept: [PlanNote] = []
    let orphans = state.resources.values.filter { !manifest.contains($0.id) }
    let orphanOrder = DependencyGraph.topologicalOrder(ids: orphans.map(\.id).sorted()) { state.resources[$0]?.dependsOn ?? [] }.ids
    for id in orphanOrder.reversed() {
      let record = state.resources[id]!
      guard observed[id].exists else {
        forgotten.append(id)
        continue
      }
      if let why = registry[id.kind]?.keptOnPrune, !options.pruneKinds.contains(id.kind) {
        kept.append(PlanNote(id: id, text: why))
        continue
      }
      steps.append(Step(id: id, action: .destroy, why: [.undeclared], changes: [], desired: nil, prior: record))
    }
    let project = Project.resolve(declared: manifest.project, lineage: state.lineage)
    var planned = ordered(refreshing(steps, manifest), state: state, observed: observed)
    for i in planned.indices { planned[i].project = project }
    return Plan(steps: planned, unchanged: unchanged, forgotten: forgotten, kept: kept)
  }

  /// Attaches to each step the resources it refreshes: those `refreshedBy` it, unless their own step already runs
  /// after it (and so picks the change up itself).
  func refreshing(_ steps: [Step], _ manifest: Manifest) -> [Step] {
    var index: [ResourceID: Int] = [:]
    for (i, s) in steps.enumerated() { index[s.id] = i }
    var out = steps
    for r in manifest.resources where !r.spec.refreshedBy.isEmpty && !r.spec.wantsAbsent {
      let hasOwnStep = index[r.id] != nil
      for source in r.spec.refreshedBy {
        guard let i = index[source], steps[i].action != .destroy else { continue }
        if hasOwnStep, r.dependsOn.contains(source) { continue }
        out[i].refreshes.append(Refresh(spec: r.spec))
      }
    }
    return out
  }

  /// The step for one desired resource, or nil when the host already matches.
  func decide(_ r: Resource, observed obs: Observation, record: ResourceRecord?, context: FindingContext) -> Step? {
    let spec = r.spec
    if spec.wantsAbsent {
      guard obs.exists else { return nil }
      return Step(id: r.id, action: .destroy, why: [.ensureAbsent], changes: [], desired: spec, prior: record)
    }
    if let record, !record.locator.isEmpty, record.locator != spec.locator {
      let moved = spec.locator.keys.sorted().compactMap { k -> Reason? in
        record.locator[k] == spec.locator[k] ? nil : .moved(key: k, from: record.locator[k] ?? "", to: spec.locator[k] ?? "")
      }
      return Step(id: r.id, action: .replace, why: moved, changes: creations(spec), desired: spec, prior: record)
    }
    guard obs.exists else {
      let absent: Reason = record == nil || record?.provisional == true ? .notPresent : .removedSince
      // An observer may know the create will fail (a name held by an object it does not manage): say it now.
      let why = [absent] + [obs.facts[.conflict].map(Reason.blocked), obs.facts[.missingParent].map(Reason.createsParents)].compactMap { $0 }
      return Step(id: r.id, action: .create, why: why, changes: creations(spec), desired: spec, prior: record)
    }
    var why: [Reason] = []
    var changes: [FieldChange] = []
    var replace = false
    for a in spec.attributes {
      let have = obs.attributes[a.name]
      guard have != a.value else { continue }
      changes.append(FieldChange(field: a.name, before: have.map { Shown($0, of: a) }, after: Shown(a.value, of: a)))
      replace = replace || a.effect == .replace
      let change: Reason.AttributeChange = a.isSensitive ? .sensitive : a.style == .content ? .content : .inline(before: have, after: a.value)
      why.append(.attribute(name: a.name, change: change))
    }
    for f in spec.findings(observed: obs, context: context) {
      why.append(.found(f.signal))
      if let c = f.change { changes.append(c) }
      replace = replace || f.effect == .replace
    }
    guard !why.isEmpty else { return nil }
    return Step(id: r.id, action: replace ? .replace : .update, why: why, changes: changes, desired: spec, prior: record)
  }

  func creations(_ spec: any ResourceSpec) -> [FieldChange] {
    let located = spec.locator.sorted { $0.key < $1.key }.map { FieldChange(field: $0.key, before: nil, after: .value($0.value)) }
    return located + spec.attributes.map { FieldChange(field: $0.name, before: nil, after: Shown($0.value, of: $0)) }
  }

  /// Adds executor edges and fingerprints: changes in dependency order, then destroys (dependents first).
  func ordered(_ steps: [Step], state: StateSnapshot, observed: ObservedState) -> [Step] {
    let inPlan = Set(steps.map(\.id))
    let destroyed = Set(steps.filter { $0.action == .destroy }.map(\.id))
    return steps.map { step in
      var s = step
      if s.action == .destroy {
        // Destroy X only after everything that depended on X is gone.
        s.after = state.resources.values.filter { $0.dependsOn.contains(s.id) && destroyed.contains($0.id) }.map(\.id).sorted()
      } else {
        s.after = s.after.filter { inPlan.contains($0) && !destroyed.contains($0) }
      }
      s.fingerprint = fingerprint(s, observed: observed[s.id])
      return s
    }
  }

  func fingerprint(_ s: Step, observed: Observation) -> String {
    var h = SHA256()
    h.update("\(s.id)|\(s.action.rawValue)|\(s.reasons.joined(separator: ";"))|\(s.refreshes.map(\.id.description).joined(separator: ","))\n")
    if let spec = s.desired { h.update(form.fingerprint(of: spec) + "\n") }
    if let p = s.prior { h.update(p.fingerprint + "\n") }
    h.update(form.digest(of: observed))
    return h.finalize().hex
  }
}
