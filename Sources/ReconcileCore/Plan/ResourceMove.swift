/// A resource that has a new address (Terraform's `moved`): its record and its object go with it, nothing is
/// recreated. Declared in the manifests (`"moved": [{ "from": "container/web", "to": "module.staging/container/web" }]`)
/// or found: a recorded resource no longer declared and a declared one not yet recorded, of the same kind, whose
/// object is the same one (the same locator: the same Docker name, the same path).
public struct ResourceMove: Sendable, Hashable {
  public var from: ResourceID
  public var to: ResourceID
  /// Found by its object, not declared.
  public var found: Bool

  public init(from: ResourceID, to: ResourceID, found: Bool = false) {
    self.from = from
    self.to = to
    self.found = found
  }

  /// `container/web has moved to module.staging/container/web (the same object: name web)`.
  public var text: String {
    "\(from) has moved to \(to)" + (found ? " (the same object, found by where it is)" : "")
  }

  /// The moves this state makes for these manifests: the declared ones whose record is still at the old address, then
  /// those found by their object.
  public static func moves(for manifest: Manifest, in state: StateSnapshot) -> [ResourceMove] {
    var out: [ResourceMove] = []
    var taken = Set<ResourceID>()
    for m in manifest.moved where state.resources[m.from] != nil && state.resources[m.to] == nil && !manifest.contains(m.from) {
      out.append(m)
      taken.formUnion([m.from, m.to])
    }
    // Usually no record is undeclared: one pass over the keys, the rest only for the few.
    let undeclared = state.resources.keys.filter { !manifest.contains($0) }.filter { !taken.contains($0) }
    guard !undeclared.isEmpty else { return out }
    let orphans = undeclared.sorted().map { state.resources[$0]! }.filter { !$0.locator.isEmpty }
    // A Swarm service or node is found by its address: it does not move.
    for r in manifest.resources where state.resources[r.id] == nil && !taken.contains(r.id) && !["service", "node"].contains(r.id.kind) {
      let locator = r.spec.locator
      guard !locator.isEmpty, let old = orphans.first(where: { $0.id.kind == r.id.kind && $0.locator == locator && !taken.contains($0.id) }) else { continue }
      out.append(ResourceMove(from: old.id, to: r.id, found: true))
      taken.formUnion([old.id, r.id])
    }
    return out
  }
}

extension StateSnapshot {
  /// The state with each moved record at its new address; the address its object's labels still carry is kept as
  /// `formerly` (until a replacement gives it labels of its own).
  public func applying(_ moves: [ResourceMove]) -> StateSnapshot {
    guard !moves.isEmpty else { return self }
    var next = self
    for m in moves {
      guard var record = next.resources.removeValue(forKey: m.from) else { continue }
      record.formerly = record.formerly ?? m.from
      record.id = m.to
      next.resources[m.to] = record
    }
    return next
  }
}
