import Essentials
import Foundation
import ReconcileCore
import ReconcileRuntime
import Testing

/// The executor's walk of the step graph: its bound on parallel steps, what a failure skips, and stopping.
@Suite struct ExecutorTests {
  /// Performs steps slowly, keeping the most that ran at once; fails the ids in `failing`; can hold steps until released.
  final class Worker: StepPerformer, @unchecked Sendable {
    struct Counts {
      var running = 0
      var most = 0
      var done: [ResourceID] = []
    }
    let counts = Locked(Counts())
    let failing: Set<String>
    init(failing: Set<String> = []) { self.failing = failing }

    func perform(_ step: Step) async throws {
      counts.withLock {
        $0.running += 1
        $0.most = max($0.most, $0.running)
      }
      try? await Task.sleep(for: .milliseconds(30))
      counts.withLock {
        $0.running -= 1
        $0.done.append(step.id)
      }
      if failing.contains(step.id.name) { throw OperationError("\(step.id) refused") }
    }
  }

  struct Quiet: ExecutionObserver {
    func started(_ step: Step) {}
    func finished(_ step: Step, _ outcome: StepOutcome) {}
  }

  func step(_ name: String, after: [String] = []) -> Step {
    Step(
      id: ResourceID(kind: "file", name: name), action: .create, why: [], changes: [], desired: nil, prior: nil,
      after: after.map { ResourceID(kind: "file", name: $0) })
  }

  @Test func independentStepsRunInParallelUpToTheBound() async {
    let worker = Worker()
    let plan = Plan(steps: (1...8).map { step("f\($0)") })
    let outcomes = await Executor(parallelism: 3).run(plan, performer: worker, observer: Quiet())
    #expect(outcomes.count == 8 && outcomes.allSatisfy { $0.status == .succeeded })
    #expect(worker.counts.withLock { $0.most } == 3)
  }

  /// Steps that work, then only wait (a start holding), then work again: the bound counts steps at work, so every
  /// step waits at the same time while never more than the bound work at once; a dependent still waits for the end.
  final class Waiter: StepPerformer, @unchecked Sendable {
    struct Counts {
      var working = 0
      var mostWorking = 0
      var waiting = 0
      var mostWaiting = 0
      var order: [String] = []
    }
    let counts = Locked(Counts())
    /// Steps that must be waiting together before any goes on (0: none); at most 2,000 looks 10 ms apart, so a failure
    /// ends. Counted in looks, not seconds: in the full suite on 2 cores, blocking CLI tests can hold the cooperative
    /// threads for minutes, and a step that woke after a 20 s deadline left before the last one arrived (5 of 6).
    let together: Int
    init(together: Int = 0) { self.together = together }

    func work() async {
      counts.withLock {
        $0.working += 1
        $0.mostWorking = max($0.mostWorking, $0.working)
      }
      try? await Task.sleep(for: .milliseconds(20))
      counts.withLock { $0.working -= 1 }
    }

    func perform(_ step: Step) async throws {
      await work()
      await StepSlots.waiting {
        counts.withLock {
          $0.waiting += 1
          $0.mostWaiting = max($0.mostWaiting, $0.waiting)
        }
        // Independent of how the test process schedules tasks: wait for the others (or 2,000 looks), then a little more.
        var looks = 0
        while counts.withLock({ $0.mostWaiting }) < together, looks < 2000 {
          looks += 1
          try? await Task.sleep(for: .milliseconds(10))
        }
        try? await Task.sleep(for: .milliseconds(50))
        counts.withLock { $0.waiting -= 1 }
      }
      await work()
      counts.withLock { $0.order.append(step.id.name) }
    }
  }

  @Test func aWaitingStepGivesItsPlaceToTheNext() async {
    let waiter = Waiter(together: 6)
    let plan = Plan(steps: (1...6).map { step("w\($0)") } + [step("after", after: ["w1"])])
    let outcomes = await Executor(parallelism: 2).run(plan, performer: waiter, observer: Quiet())
    #expect(outcomes.count == 7 && outcomes.allSatisfy { $0.status == .succeeded })
    let c = waiter.counts.withLock { $0 }
    #expect(c.mostWorking <= 2, "\(c.mostWorking) steps at work at once with parallelism 2")
    #expect(c.mostWaiting == 6, "only \(c.mostWaiting) steps waited at once")
    #expect(c.order.firstIndex(of: "after")! > c.order.firstIndex(of: "w1")!)
  }

  @Test func underStopOnFailureAWaitingStepKeepsItsPlace() async {
    let waiter = Waiter()
    let plan = Plan(steps: (1...4).map { step("w\($0)") })
    _ = await Executor(parallelism: 1, stopOnFailure: true).run(plan, performer: waiter, observer: Quiet())
    #expect(waiter.counts.withLock { $0.mostWaiting } == 1)
  }

  /// The place a failed step leaves is not handed to the next step before its failure is heard: 300 runs of three
  /// steps at parallelism 1, the first failing, and never a second one started (a full suite caught one, once).
  @Test func underStopOnFailureTheFreedPlaceWaitsForTheOutcome() async {
    struct FailsFirst: StepPerformer {
      let started = Locked<[String]>([])
      func perform(_ step: Step) async throws {
        started.withLock { $0.append(step.id.name) }
        // Long enough for the executor to be waiting for a freed place when it fails.
        try? await Task.sleep(for: .milliseconds(2))
        if step.id.name == "a" { throw OperationError("refused") }
      }
    }
    var extra = 0
    for _ in 0..<300 {
      let performer = FailsFirst()
      _ = await Executor(parallelism: 1, stopOnFailure: true).run(Plan(steps: [step("a"), step("b"), step("c")]), performer: performer, observer: Quiet())
      if performer.started.withLock({ $0 }) != ["a"] { extra += 1 }
    }
    #expect(extra == 0, "\(extra) of 300 runs started another step after the first failed")
  }

  @Test func aFailureSkipsItsDependentsTransitivelyAndEveryOtherStepRuns() async {
    let worker = Worker(failing: ["a"])
    let plan = Plan(steps: [step("a"), step("b", after: ["a"]), step("c", after: ["b"]), step("d")])
    let outcomes = await Executor(parallelism: 2).run(plan, performer: worker, observer: Quiet())
    let status = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.id.name, $0.status) })
    #expect(status["d"] == .succeeded)
    #expect(status["b"] == .skipped("skipped: file/a did not succeed"))
    #expect(status["c"] == .skipped("skipped: file/b did not succeed"))
    #expect(worker.counts.withLock { $0.done.map(\.name).sorted() } == ["a", "d"])
  }

  @Test func withStopOnFailureNothingStartsAfterTheFirstFailure() async {
    let worker = Worker(failing: ["b"])
    let plan = Plan(steps: [step("a"), step("b"), step("c"), step("d")])
    let outcomes = await Executor(parallelism: 1, stopOnFailure: true).run(plan, performer: worker, observer: Quiet())
    let status = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.id.name, $0.status) })
    #expect(status["a"] == .succeeded && status["b"] == .failed("file/b refused"), "\(status)")
    for later in ["c", "d"] {
      #expect(status[later] == .skipped("skipped: file/b failed and policy.stopOnFailure starts no step after a failure"), "\(status)")
    }
    #expect(worker.counts.withLock { $0.done.map(\.name) } == ["a", "b"])
  }

  @Test func aStepRunsOnlyAfterEveryStepItWaitsOn() async {
    let worker = Worker()
    let plan = Plan(steps: [step("c", after: ["a", "b"]), step("a"), step("b")])
    _ = await Executor(parallelism: 4).run(plan, performer: worker, observer: Quiet())
    #expect(worker.counts.withLock { $0.done.last?.name } == "c")
  }

  @Test func onceCancelledItFinishesWhatRunsAndStartsNothingNew() async {
    let worker = Worker()
    let plan = Plan(steps: [step("a"), step("b")])
    let task = Task { await Executor(parallelism: 1).run(plan, performer: worker, observer: Quiet()) }
    task.cancel()
    let outcomes = await task.value
    let status = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.id.name, $0.status) })
    // Cancelled before or while `a` runs: either way `b` never starts and every step has an outcome.
    #expect(status.count == 2)
    #expect(status["b"] == .skipped("skipped: reconcile is stopping"))
    #expect(!worker.counts.withLock { $0.done.map(\.name) }.contains("b"))
  }
}

/// Stopping never cuts a step short.
@Suite struct ExecutorStoppingTests {
  /// A step that would fail if cancelled: it sleeps, and Task.sleep throws on cancellation.
  struct SlowStep: StepPerformer {
    let started = Locked(false)
    func perform(_ step: Step) async throws {
      started.withLock { $0 = true }
      try await Task.sleep(for: .milliseconds(300))
    }
  }

  struct Quiet: ExecutionObserver {
    func started(_ step: Step) {}
    func finished(_ step: Step, _ outcome: StepOutcome) {}
  }

  @Test func aStepUnderWayFinishesWhenTheRunIsCancelled() async throws {
    let performer = SlowStep()
    let a = Step(id: ResourceID(kind: "file", name: "a"), action: .create, why: [], changes: [], desired: nil, prior: nil)
    let b = Step(id: ResourceID(kind: "file", name: "b"), action: .create, why: [], changes: [], desired: nil, prior: nil, after: [a.id])
    let task = Task { await Executor(parallelism: 1).run(Plan(steps: [a, b]), performer: performer, observer: Quiet()) }
    while !performer.started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
    task.cancel()
    let outcomes = await task.value
    #expect(outcomes.first { $0.id == a.id }?.status == .succeeded, "\(outcomes)")
    #expect(outcomes.first { $0.id == b.id }?.status == .skipped("skipped: reconcile is stopping"), "\(outcomes)")
  }
}
