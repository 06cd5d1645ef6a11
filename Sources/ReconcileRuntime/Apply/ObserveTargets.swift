import ReconcileCore

extension ObserveTarget {
  /// What one plan looks at: every desired resource (with its spec) and every recorded one the manifests no longer
  /// declare (by its recorded locator, so prune can find it).
  public static func all(for manifest: Manifest, recorded state: StateSnapshot) -> [ObserveTarget] {
    let project = Project.resolve(declared: manifest.project, lineage: state.lineage)
    var targets = manifest.resources.map {
      ObserveTarget(
        id: $0.id, locator: $0.spec.locator, spec: $0.spec, project: project, adopted: state.resources[$0.id]?.adopted,
        formerly: state.resources[$0.id]?.formerly)
    }
    for r in state.resources.values.sorted(by: { $0.id < $1.id }) where !manifest.contains(r.id) {
      targets.append(ObserveTarget(id: r.id, locator: r.locator, spec: nil, project: project, adopted: r.adopted, formerly: r.formerly))
    }
    return targets
  }
}
