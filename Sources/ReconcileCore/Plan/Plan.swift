/// What a step does to one resource.
public enum Action: String, Sendable, Codable, CaseIterable {
  case create, update, replace, destroy

  /// The plan symbol: `+`, `~`, `-/+`, `-`.
  public var symbol: String {
    switch self {
    case .create: "+"
    case .update: "~"
    case .replace: "-/+"
    case .destroy: "-"
    }
  }
}

/// A value as a plan may show it: never a secret in clear.
public enum Shown: Sendable, Hashable {
  case value(String)
  case content(String)
  case sensitive

  init(_ value: String, of attribute: Attribute) {
    if attribute.isSensitive {
      self = .sensitive
    } else {
      self = attribute.style == .content ? .content(value) : .value(value)
    }
  }
}

/// One field's before → after.
public struct FieldChange: Sendable, Hashable {
  public var field: String
  public var before: Shown?
  public var after: Shown?
}

/// One action on one resource, with the reasons a person can act on. The executor performs it as is.
public struct Step: Sendable {
  public var id: ResourceID
  public var action: Action
  /// Why, as typed values: drivers and alerts decide on these; `reasons` is their rendering.
  public var why: [Reason]
  /// What the plan shows changing, field by field (display only: nothing decides on it).
  public var changes: [FieldChange]
  /// The desired spec (nil for a destroy of something no longer declared).
  public var desired: (any ResourceSpec)?
  /// What the state store knew of the resource before this step.
  public var prior: ResourceRecord?
  /// Steps of this plan that must succeed before this one starts.
  public var after: [ResourceID]
  /// Resources refreshed once this step succeeded (a site's server reloading a renewed certificate), in order.
  public var refreshes: [Refresh] = []
  /// Digest of everything this step was decided on; a saved plan is stale when it differs.
  public var fingerprint: String
  /// The project the objects it creates belong to (`Project`).
  public var project: String?
  /// Containers that must be healthy before this step acts (`dependsOn` with `"condition": "healthy"`).
  public var healthGates: [HealthGate] = []

  public init(
    id: ResourceID, action: Action, why: [Reason], changes: [FieldChange], desired: (any ResourceSpec)?, prior: ResourceRecord?, after: [ResourceID] = [],
    fingerprint: String = ""
  ) {
    self.id = id
    self.action = action
    self.why = why
    self.changes = changes
    self.desired = desired
    self.prior = prior
    self.after = after
    self.fingerprint = fingerprint
  }

  /// The reasons as the plan shows them.
  public var reasons: [String] { why.map(\.text) }

  /// What the kind found, in the order the reasons give them.
  public var signals: [Signal] { why.compactMap(\.signal) }

  /// The declared attributes this step changes.
  public var changedAttributes: Set<String> { Set(why.compactMap(\.attributeName)) }
}

/// A resource a step refreshes after it succeeded: the resource itself does not change, its process picks up the step's result.
public struct Refresh: Sendable {
  public var spec: any ResourceSpec
  public var id: ResourceID { spec.id }
  /// `reload nginx at /var/lib/reconcile/nginx`.
  public var action: String { spec.refreshAction }

  public init(spec: any ResourceSpec) {
    self.spec = spec
  }
}

/// A note about a resource the plan deliberately leaves alone.
public struct PlanNote: Sendable, Hashable {
  public var id: ResourceID
  public var text: String
}

/// The planner's decision: steps in a deterministic order, plus what stays as it is and why.
public struct Plan: Sendable {
  public var steps: [Step]
  /// Desired resources that already match the host.
  public var unchanged: [ResourceID]
  /// State records whose objects are already gone; apply drops them from the inventory.
  public var forgotten: [ResourceID]
  /// Resources prune keeps on purpose (e.g. volumes), with the reason.
  public var kept: [PlanNote]
  /// Resources at a new address (`ResourceMove`): apply moves their records, nothing is recreated.
  public var moves: [ResourceMove] = []

  public init(steps: [Step], unchanged: [ResourceID] = [], forgotten: [ResourceID] = [], kept: [PlanNote] = []) {
    self.steps = steps
    self.unchanged = unchanged
    self.forgotten = forgotten
    self.kept = kept
  }

  /// Nothing to do: no step, and no record to move.
  public var isEmpty: Bool { steps.isEmpty && moves.isEmpty }

  public func count(_ action: Action) -> Int { steps.filter { $0.action == action }.count }

  /// How many refreshes the steps carry.
  public var refreshCount: Int { steps.reduce(0) { $0 + $1.refreshes.count } }

  /// `Plan: 2 to add, 1 to change, 0 to replace, 1 to destroy.` (and `, 1 to refresh` when there are refreshes).
  public var summary: String {
    let refresh = refreshCount > 0 ? ", \(refreshCount) to refresh" : ""
    let moved = moves.isEmpty ? "" : ", \(moves.count) moved"
    return "Plan: \(count(.create)) to add, \(count(.update)) to change, \(count(.replace)) to replace, \(count(.destroy)) to destroy\(refresh)\(moved)."
  }

  /// What each module instance's share of the plan is (`module.staging: 3 to add, 1 to replace`), instances in name
  /// order; empty when no step is a module's.
  public var moduleSummaries: [String] {
    let byModule = Dictionary(grouping: steps.filter { $0.id.module != nil }, by: { $0.id.module! })
    let words: [(Action, String)] = [(.create, "to add"), (.update, "to change"), (.replace, "to replace"), (.destroy, "to destroy")]
    return byModule.keys.sorted().map { m in
      let mine = byModule[m]!
      let parts = words.compactMap { action, word in
        let n = mine.filter { $0.action == action }.count
        return n > 0 ? "\(n) \(word)" : nil
      }
      return "module.\(m): " + parts.joined(separator: ", ")
    }
  }
}
