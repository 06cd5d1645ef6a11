import Essentials
import Foundation
import ReconcileCore
import ReconcileRuntime

/// Observe → plan → apply as the CLI does it (the Runtime's `ApplyTransaction`, the same observe targets, the same
/// planner), against whatever host the test gives (real drivers), with the state in a `MemoryStateStore`.
public struct ApplyHarness: Sendable {
  public let host: any HostObserver & StepPerformer
  public let store: MemoryStateStore
  public let form: RecordForm
  public let registry: KindRegistry

  public init(
    host: any HostObserver & StepPerformer, store: MemoryStateStore = MemoryStateStore(StateSnapshot(lineage: "tests")),
    form: RecordForm = RecordForm(hasher: HMACSHA256(key: Array("tests-key".utf8))), registry: KindRegistry = .builtIn
  ) {
    self.host = host
    self.store = store
    self.form = form
    self.registry = registry
  }

  public var state: StateSnapshot { store.snapshot }

  public func observe(_ manifest: Manifest, state: StateSnapshot? = nil) async throws -> ObservedState {
    try await host.observe(ObserveTarget.all(for: manifest, recorded: state ?? store.snapshot))
  }

  public func plan(_ manifest: Manifest, state: StateSnapshot? = nil, options: PlanOptions = .init()) async throws -> Plan {
    let state = state ?? store.snapshot
    return Planner(registry: registry, form: form).plan(manifest, observed: try await observe(manifest, state: state), state: state, options: options, now: Date())
  }

  /// One whole apply of `manifest`: every step the plan proposes.
  @discardableResult
  public func apply(_ manifest: Manifest, options: PlanOptions = .init(), parallelism: Int = 4) async throws -> ApplyTransaction.Result {
    let transaction = ApplyTransaction(
      store: store, performer: host, form: form, command: "tests", parallelism: parallelism, by: .init(user: "tests", host: "localhost"))
    return try await transaction.run(
      .init(manifest: manifest, redactor: Redactor(secrets: [])),
      plan: { state in
        let observed = try await observe(manifest, state: state)
        return (Planner(registry: registry, form: form).plan(manifest, observed: observed, state: state, options: options, now: Date()), observed)
      },
      review: { plan, _ in plan }, progress: Silent())
  }

  /// Why each failed step of a result failed.
  public static func failures(_ r: ApplyTransaction.Result) -> [String] {
    r.outcomes.compactMap { if case .failed(let why) = $0.status { why } else { nil } }
  }

  struct Silent: ExecutionObserver {
    func started(_ step: Step) {}
    func finished(_ step: Step, _ outcome: StepOutcome) {}
  }
}
