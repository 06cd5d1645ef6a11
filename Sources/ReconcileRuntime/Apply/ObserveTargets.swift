import ReconcileCore

extension ObserveTarget {
  /// What one plan looks at: every desired resource (with its spec) and every recorded one the manifests no longer
  /// declare (by its recorded locator, so prune can find it).
  public static func all(for manifest: Manifest, recorded state: StateSnapshot) -> [ObserveTarget] {
    let project = Project.resolve(declared: manifest.project, lineage: state.lineage)
    // A taken-over or moved record's identity, read in place (a record is not copied for two of its fields).
    let records = state.resources.values
    var targets = manifest.resources.map { r in
      let at = state.resources.index(forKey: r.id)
      return ObserveTarget(
        id: r.id, locator: r.spec.locator, spec: r.spec, project: project, adopted: at.flatMap { records[$0].adopted }, formerly: at.flatMap { records[$0].formerly })
    }
    // The records the manifests no longer declare (usually none), in a stable order.
    for id in state.resources.keys.filter({ !manifest.contains($0) }).sorted() {
      let r = state.resources[id]!
      targets.append(ObserveTarget(id: r.id, locator: r.locator, spec: nil, project: project, adopted: r.adopted, formerly: r.formerly))
    }
    return targets
  }
}
