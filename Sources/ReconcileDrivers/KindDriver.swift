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
}

extension KindDriver {
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
