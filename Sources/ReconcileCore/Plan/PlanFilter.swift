/// Narrows a plan to `--target` resources (with what they depend on) and away from `--exclude` ones (with their dependents).
public struct PlanFilter: Sendable {
  let deps: [ResourceID: [ResourceID]]

  public init(manifest: Manifest, state: StateSnapshot) {
    var deps: [ResourceID: [ResourceID]] = [:]
    for r in state.resources.values { deps[r.id] = r.dependsOn }
    for r in manifest.resources { deps[r.id] = r.dependsOn }
    self.deps = deps
  }

  public func narrow(_ plan: Plan, targets: [ResourceID], excludes: [ResourceID]) -> Plan {
    guard !targets.isEmpty || !excludes.isEmpty else { return plan }
    var keep: Set<ResourceID>? = nil
    if !targets.isEmpty { keep = closure(targets) { deps[$0] ?? [] } }
    var dependents: [ResourceID: [ResourceID]] = [:]
    for (id, ds) in deps { for d in ds { dependents[d, default: []].append(id) } }
    let dropped = closure(excludes) { dependents[$0] ?? [] }
    var out = plan
    out.steps = plan.steps.filter { (keep?.contains($0.id) ?? true) && !dropped.contains($0.id) }
    out.forgotten = plan.forgotten.filter { (keep?.contains($0) ?? true) && !dropped.contains($0) }
    return out
  }

  func closure(_ start: [ResourceID], next: (ResourceID) -> [ResourceID]) -> Set<ResourceID> {
    var seen = Set<ResourceID>()
    var stack = start
    while let id = stack.popLast() {
      if seen.insert(id).inserted { stack += next(id) }
    }
    return seen
  }
}
