/// Orders resources so that dependencies come first, and reports dangling references and cycles.
public struct DependencyGraph {
  let resources: [Resource]
  let byID: [ResourceID: Resource]

  public init(_ resources: [Resource]) {
    self.resources = resources
    self.byID = Dictionary(resources.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
  }

  /// Dependencies first; ties broken by id, so the order is deterministic.
  public func ordered(issues: IssueList) -> [Resource] {
    var valid = true
    for r in resources {
      for dep in r.dependsOn where byID[dep] == nil {
        valid = false
        let hint = Suggestion.hint(for: dep.description, in: byID.keys.filter { $0 != r.id }.map(\.description))
        issues.add(
          ManifestIssue(
            file: r.origin.file, subject: "\(r.origin.path) '\(r.id)'", path: "dependsOn",
            message: "depends on '\(dep)', which is not declared\(hint)"))
      }
    }
    guard valid else { return resources }
    let order = Self.topologicalOrder(ids: byID.keys.sorted()) { byID[$0]?.dependsOn ?? [] }
    if let cycle = order.cycle {
      let r = byID[cycle[0]]!
      issues.add(
        ManifestIssue(
          file: r.origin.file, subject: "\(r.origin.path) '\(r.id)'",
          message: "dependency cycle: \(cycle.map(\.description).joined(separator: " -> "))"))
      return resources
    }
    return order.ids.map { byID[$0]! }
  }

  /// Kahn-style depth-first order; returns the first cycle found, closed (`a -> b -> a`).
  public static func topologicalOrder(ids: [ResourceID], edges: (ResourceID) -> [ResourceID]) -> (ids: [ResourceID], cycle: [ResourceID]?) {
    enum Mark { case visiting, done }
    var marks: [ResourceID: Mark] = [:]
    var out: [ResourceID] = []
    var stack: [ResourceID] = []
    let known = Set(ids)
    func visit(_ id: ResourceID) -> [ResourceID]? {
      if marks[id] == .done { return nil }
      if marks[id] == .visiting {
        let start = stack.firstIndex(of: id)!
        return Array(stack[start...]) + [id]
      }
      marks[id] = .visiting
      stack.append(id)
      for dep in edges(id).sorted() where known.contains(dep) {
        if let cycle = visit(dep) { return cycle }
      }
      stack.removeLast()
      marks[id] = .done
      out.append(id)
      return nil
    }
    for id in ids {
      if let cycle = visit(id) { return (out, cycle) }
    }
    return (out, nil)
  }
}
