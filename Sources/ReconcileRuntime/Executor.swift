import Foundation
import ReconcileCore

/// Hears about each step as it starts and ends (progress lines, the journal).
public protocol ExecutionObserver: Sendable {
  func started(_ step: Step)
  func finished(_ step: Step, _ outcome: StepOutcome)
  /// A running step's note (a rollout step's figures).
  func noted(_ step: Step, _ note: StepNote)
}

extension ExecutionObserver {
  public func noted(_ step: Step, _ note: StepNote) {}
}

/// Walks the plan's dependency graph: independent steps run in parallel up to a bound; the dependents of a
/// failed step are skipped and every other step still runs. Makes no decisions of its own.
public struct Executor: Sendable {
  public var parallelism: Int
  /// After the first failed step, start no other (`policy.stopOnFailure`): the steps under way finish, the rest are
  /// skipped, so an update of several containers stops at the first that fails.
  public var stopOnFailure: Bool

  public init(parallelism: Int = 4, stopOnFailure: Bool = false) {
    self.parallelism = max(1, parallelism)
    self.stopOnFailure = stopOnFailure
  }

  /// What the executor hears: a step's end, or that a place may be free (a step began to wait).
  enum Event: Sendable {
    case outcome(StepOutcome)
    case freed
  }

  public func run(_ plan: Plan, performer: any StepPerformer, observer: any ExecutionObserver) async -> [StepOutcome] {
    var graph = StepGraph(plan.steps)
    var outcomes: [StepOutcome] = []
    let slots = StepSlots(parallelism)
    await withTaskGroup(of: Event.self) { group in
      var running = 0
      var watching = false
      /// The step whose failure stops the run (with `stopOnFailure`).
      var halted: ResourceID?
      let stopOnFailure = self.stopOnFailure
      /// Records an outcome, tells the observer, and does the same for the dependents it causes to be skipped.
      func finish(_ o: StepOutcome) {
        if stopOnFailure, halted == nil, case .failed = o.status { halted = o.id }
        for outcome in [o] + graph.complete(o) {
          outcomes.append(outcome)
          observer.finished(graph.steps[outcome.id]!, outcome)
        }
      }
      func launchReady() {
        // Once cancelled (the controller is stopping), or once a step failed under `stopOnFailure`, finish what runs
        // and start nothing new.
        if Task.isCancelled || halted != nil {
          let why = halted.map { "skipped: \($0) failed and policy.stopOnFailure starts no step after a failure" } ?? "skipped: reconcile is stopping"
          while let step = graph.nextReady() {
            finish(StepOutcome(id: step.id, action: step.action, status: .skipped(why), seconds: 0))
          }
          return
        }
        // A step at work holds a place (`parallelism` of them); one that only waits gives its place meanwhile.
        while graph.hasReady, slots.tryTake(), let step = graph.nextReady() {
          running += 1
          observer.started(step)
          group.addTask {
            // Under `stopOnFailure` the bound is strict: a waiting step keeps its place, so a failure stops the run
            // before another step starts.
            let outcome = await StepSlots.$current.withValue(stopOnFailure ? nil : slots) {
              await Self.perform(step, with: performer, observer: observer)
            }
            return .outcome(outcome)
          }
        }
      }
      /// Hears when a waiting step frees a place, while steps run; ends that wait when nothing runs any more.
      func watch() {
        if running > 0 {
          guard !watching else { return }
          watching = true
          group.addTask {
            await slots.placeFreed()
            return .freed
          }
        } else {
          slots.stop()
        }
      }
      launchReady()
      watch()
      while let event = await group.next() {
        switch event {
        case .freed: watching = false
        case .outcome(let o):
          running -= 1
          finish(o)
          // The place goes back once the outcome is heard: given from the step's task, it could wake this loop (a
          // `.freed` event) before the outcome did, and a step started after a failure under `stopOnFailure`.
          slots.give()
        }
        launchReady()
        watch()
      }
    }
    return outcomes
  }

  static func perform(_ step: Step, with performer: any StepPerformer, observer: any ExecutionObserver) async -> StepOutcome {
    let start = ContinuousClock.now
    let status: StepOutcome.Status
    var verdict = false
    let notes = NoteList()
    do {
      // A step under way finishes when reconcile is stopping (SIGTERM cancels the run): its own task does not
      // inherit the cancellation, so a half-done replacement is never cut short. No new step starts meanwhile. Its
      // notes go to the observer.
      try await StepNotes.listening(
        for: step.id,
        {
          notes.append($0); observer.noted(step, $0)
        }
      ) { try await Task { try await performer.perform(step) }.value }
      status = .succeeded
    } catch {
      status = .failed("\(error)")
      verdict = (error as? OperationError)?.isVerdict ?? false
    }
    let d = ContinuousClock.now - start
    let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    var outcome = StepOutcome(id: step.id, action: step.action, status: status, seconds: seconds, isVerdict: verdict)
    outcome.notes = notes.texts
    return outcome
  }

  /// The notes of one running step, for its outcome.
  final class NoteList: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []

    func append(_ note: StepNote) { lock.withLock { items.append(note.text) } }
    var texts: [String] { lock.withLock { items } }
  }
}

/// The plan's steps with in-degree counts: a step becomes ready when every step it waits on succeeded.
struct StepGraph {
  let steps: [ResourceID: Step]
  private var pendingDeps: [ResourceID: Int] = [:]
  private var dependents: [ResourceID: [ResourceID]] = [:]
  private var ready: [ResourceID] = []
  private var head = 0

  init(_ list: [Step]) {
    steps = Dictionary(list.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    for s in list {
      let deps = s.after.filter { steps[$0] != nil }
      pendingDeps[s.id] = deps.count
      for d in deps { dependents[d, default: []].append(s.id) }
      if deps.isEmpty { ready.append(s.id) }
    }
  }

  var hasReady: Bool { head < ready.count }

  mutating func nextReady() -> Step? {
    guard head < ready.count else { return nil }
    head += 1
    return steps[ready[head - 1]]
  }

  /// Records an outcome; returns the outcomes of the steps skipped because of it (transitively).
  mutating func complete(_ o: StepOutcome) -> [StepOutcome] {
    guard o.status == .succeeded else {
      var skipped: [StepOutcome] = []
      var stack = [(o.id, dependents[o.id] ?? [])]
      while let (blocker, list) = stack.popLast() {
        for id in list where pendingDeps[id] != -1 {
          pendingDeps[id] = -1
          let s = steps[id]!
          skipped.append(StepOutcome(id: id, action: s.action, status: .skipped("skipped: \(blocker) did not succeed"), seconds: 0))
          stack.append((id, dependents[id] ?? []))
        }
      }
      return skipped
    }
    for id in dependents[o.id] ?? [] where pendingDeps[id]! > 0 {
      pendingDeps[id]! -= 1
      if pendingDeps[id] == 0 { ready.append(id) }
    }
    return []
  }
}
