import Foundation
import ReconcileCore

/// One locked apply, the transaction every caller shares (`reconcile apply`, the controller, the tests): take the
/// state lock, fold in what an interrupted run journaled, observe and plan, let the caller review (and narrow) the
/// plan, execute it journaling each step, save the next state and append the history. Speaks only to ports.
public struct ApplyTransaction: Sendable {
  public var store: any StateStore
  public var performer: any StepPerformer
  public var form: RecordForm
  /// The command recorded in the lock and the history (`reconcile apply`).
  public var command: String
  public var lockTimeout: Double
  public var parallelism: Int
  public var by: HistoryEntry.Operator

  public init(
    store: any StateStore, performer: any StepPerformer, form: RecordForm, command: String, lockTimeout: Double = 0, parallelism: Int = 4,
    by: HistoryEntry.Operator
  ) {
    self.store = store
    self.performer = performer
    self.form = form
    self.command = command
    self.lockTimeout = lockTimeout
    self.parallelism = parallelism
    self.by = by
  }

  /// What the caller is told along the way, to show as it likes.
  public enum Notice: Sendable, Equatable {
    /// The previous run died holding the lock (described).
    case interruptedRun(String)
    /// Steps of an interrupted run recovered from its journal into the state.
    case recovered(Int)
    /// A step succeeded but its journal line could not be written.
    case journalFailed(ResourceID, String)
  }

  /// What the manifests and the run are: what `run` needs besides the plan.
  public struct Request: Sendable {
    public var manifest: Manifest
    public var triggers: [String]
    /// The git revision of the manifests, when they are in a work tree: asked for once the steps are done, so that
    /// finding it (a `git rev-parse`) runs beside the plan rather than before it.
    public var revision: @Sendable () async -> String?
    public var redactor: Redactor

    public init(manifest: Manifest, triggers: [String] = [], revision: @escaping @Sendable () async -> String? = { nil }, redactor: Redactor) {
      self.manifest = manifest
      self.triggers = triggers
      self.revision = revision
      self.redactor = redactor
    }
  }

  public struct Result: Sendable {
    public var plan: Plan
    /// The plan as observed, before the review narrowed it.
    public var proposed: Plan
    public var outcomes: [StepOutcome]
    public var state: StateSnapshot
    public var observed: ObservedState
    /// False when the review stopped the run; nothing was executed then.
    public var applied: Bool
    public var seconds: Double

    public var succeeded: Bool { outcomes.allSatisfy { $0.status == .succeeded } }
  }

  /// `plan` observes and plans from a state; `review` returns the plan to execute, or nil to stop.
  public func run(
    _ request: Request,
    plan: (StateSnapshot) async throws -> (Plan, ObservedState),
    review: (Plan, StateSnapshot) async throws -> Plan?,
    progress: any ExecutionObserver,
    notice: @escaping @Sendable (Notice) -> Void = { _ in }
  ) async throws -> Result {
    let lease = try store.lock(for: command, timeout: lockTimeout)
    defer { lease.release() }
    var state = try store.load()
    // The lineage exists from the first apply on, so the objects it creates carry the project derived from it.
    if state.lineage.isEmpty { state.lineage = UUID().uuidString.lowercased() }
    if let dead = lease.interruptedRun { notice(.interruptedRun(dead)) }
    let before = state.resources
    let recovered = store.recover(into: &state)
    if state.resources != before { state = try store.save(state) }
    let loaded = state.resources
    if recovered > 0 { notice(.recovered(recovered)) }
    let (proposed, observed) = try await plan(state)
    var result = Result(plan: proposed, proposed: proposed, outcomes: [], state: state, observed: observed, applied: false, seconds: 0)
    guard let chosen = try await review(proposed, state) else { return result }
    result.plan = chosen
    result.applied = true
    // The records of moved resources go to their new addresses, as the plan was made from.
    state = state.applying(chosen.moves)
    let builder = StateBuilder(form: form, manifest: request.manifest)
    if chosen.steps.isEmpty {
      let next = builder.build(from: state, plan: chosen, outcomes: [], now: Date())
      if next.resources != loaded { result.state = try store.save(next) }
      return result
    }
    let started = Date()
    let journal = JournalingObserver(journal: try store.openJournal(), builder: builder, next: progress, notice: notice)
    result.outcomes = await Executor(parallelism: parallelism, stopOnFailure: request.manifest.release.stopOnFailure).run(
      chosen, performer: performer, observer: journal)
    var next = builder.build(from: state, plan: chosen, outcomes: result.outcomes, now: Date())
    let revision = await request.revision()
    next.lastApply = ApplyStamp(
      time: started, manifestDigest: request.manifest.digest, revision: revision, outcome: result.succeeded ? "succeeded" : "failed")
    result.state = try store.save(next)
    result.seconds = Date().timeIntervalSince(started)
    let entry = HistoryEntry(
      started: started, seconds: result.seconds, command: command, triggers: request.triggers, by: by, manifestDigest: request.manifest.digest,
      revision: revision, serial: result.state.serial, outcomes: result.outcomes, redactor: request.redactor)
    // The apply is done and saved; a history line that cannot be written does not undo it.
    try? store.appendHistory(entry)
    return result
  }
}
