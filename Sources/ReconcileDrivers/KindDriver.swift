import ReconcileCore

/// The real adapter of one or more kinds: how to observe their objects and how to perform their steps.
public protocol KindDriver: Sendable {
  /// The kinds this driver handles (`["file", "directory"]`).
  var kinds: [String] { get }
  /// Reads every target in one pass (one list call, not one call per object, where the backend allows).
  func observe(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation]
  /// Performs one step exactly as planned.
  func perform(_ step: Step) async throws
  /// Makes a resource's process pick up a change of something it uses, without changing the resource (a reload).
  func refresh(_ refresh: Refresh) async throws
  /// Looks at the existing object `spec` names, which reconcile did not create, for `reconcile import`: how it
  /// differs from `spec`, and the adoption that would record it. Changes nothing.
  func adoptionCheck(_ spec: any ResourceSpec, project: String?) async throws -> AdoptionCheck
}

extension KindDriver {
  /// For kinds that find their object by where it is (a file by its path, a unit by its name), not by a label: the
  /// object found there is compared through the kind's own observation, and the adoption records only where it is.
  public func adoptionCheck(_ spec: any ResourceSpec, project: String?) async throws -> AdoptionCheck {
    try await observedAdoptionCheck(spec, project: project)
  }

  public func observedAdoptionCheck(_ spec: any ResourceSpec, project: String?) async throws -> AdoptionCheck {
    let place = spec.locator.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    let observed = try await observe([ObserveTarget(id: spec.id, locator: spec.locator, spec: spec, project: project)])[spec.id] ?? .absent
    guard observed.exists else { throw OperationError("there is no \(spec.id.kind) at \(place.isEmpty ? spec.id.name : place)") }
    let differences = spec.attributes.compactMap { a -> AdoptionDifference? in
      let have = observed.attributes[a.name]
      guard have != a.value else { return nil }
      // Content is compared, not shown: the plan shows its lines.
      if a.style == .content { return AdoptionDifference(attribute: a.name, live: nil, wanted: nil, sensitive: a.isSensitive, content: true) }
      return AdoptionDifference(attribute: a.name, live: have, wanted: a.value, sensitive: a.isSensitive)
    }
    return AdoptionCheck(
      id: spec.id, object: "\(spec.id.kind) at \(place.isEmpty ? spec.id.name : place)", differences: differences,
      adoption: Adoption(objectID: place, labels: [:]))
  }

  public func refresh(_ refresh: Refresh) async throws {
    throw OperationError(doing: "refresh", of: refresh.id, cause: .failed("kind '\(refresh.id.kind)' has nothing to refresh"))
  }
}

/// Dispatches observation and steps to the driver of each kind.
public struct DriverSet: HostObserver, StepPerformer {
  let byKind: [String: any KindDriver]
  let drivers: [any KindDriver]

  public init(_ drivers: [any KindDriver]) {
    self.drivers = drivers
    var byKind: [String: any KindDriver] = [:]
    for d in drivers { for k in d.kinds { byKind[k] = d } }
    self.byKind = byKind
  }

  /// Observes each driver's targets concurrently.
  public func observe(_ targets: [ObserveTarget]) async throws -> ObservedState {
    var groups: [Int: [ObserveTarget]] = [:]
    for t in targets {
      guard let d = byKind[t.id.kind], let i = drivers.firstIndex(where: { $0.kinds == d.kinds }) else {
        throw OperationError("no driver can observe \(t.id): kind '\(t.id.kind)' has no driver in this build")
      }
      groups[i, default: []].append(t)
    }
    let drivers = self.drivers
    return try await withThrowingTaskGroup(of: [ResourceID: Observation].self) { group in
      for (i, list) in groups { group.addTask { try await drivers[i].observe(list) } }
      var all: [ResourceID: Observation] = [:]
      for try await part in group { all.merge(part) { a, _ in a } }
      return ObservedState(all)
    }
  }

  public func adoptionCheck(_ spec: any ResourceSpec, project: String?) async throws -> AdoptionCheck {
    guard let d = byKind[spec.id.kind] else { throw OperationError("no driver can import \(spec.id): kind '\(spec.id.kind)' has no driver in this build") }
    return try await d.adoptionCheck(spec, project: project)
  }

  /// Refreshes a resource on its own (`reconcile restart site/NAME` reloads its server).
  public func refresh(_ r: Refresh) async throws {
    guard let d = byKind[r.id.kind] else { throw OperationError("no driver can refresh \(r.id): kind '\(r.id.kind)' has no driver in this build") }
    try await d.refresh(r)
  }

  public func perform(_ step: Step) async throws {
    guard let d = byKind[step.id.kind] else {
      throw OperationError("no driver can perform \(step.action.rawValue) of \(step.id): kind '\(step.id.kind)' has no driver in this build")
    }
    try await d.perform(step)
    for r in step.refreshes {
      guard let rd = byKind[r.id.kind] else { throw OperationError("\(step.id) is done, but no driver can refresh \(r.id)") }
      do {
        try await rd.refresh(r)
      } catch let e as OperationError {
        // The step's own change is in place; the next plan finds the refresh still owed and tries again.
        throw OperationError(cause: .afterSuccess(of: step.id, e), retryable: e.isRetryable)
      }
    }
  }
}
