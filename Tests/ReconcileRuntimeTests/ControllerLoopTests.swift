import Essentials
import Foundation
import Testing
@testable import ReconcileCore
@testable import ReconcileRuntime
import TestSupport

/// Records runs and lets the test decide each verdict and when a run may finish.
actor Script {
  var runs: [[Trigger]] = []
  var verdicts: [RunVerdict] = []
  var gate: CheckedContinuation<Void, Never>?
  var holdNext = false

  func hold() { holdNext = true }
  func release() {
    gate?.resume()
    gate = nil
  }
  var isHeld: Bool { gate != nil }
  func push(_ v: RunVerdict) { verdicts.append(v) }

  func run(_ t: [Trigger]) async -> RunVerdict {
    runs.append(t)
    if holdNext {
      holdNext = false
      await withCheckedContinuation { gate = $0 }
    }
    return verdicts.isEmpty ? .succeeded : verdicts.removeFirst()
  }
}

@Suite struct ControllerLoopTests {
  /// The loop runs on a thread of its own: tests elsewhere that block the cooperative pool cannot stall it.
  static let executor = DedicatedExecutor("tests.controller-loop")

  func start(
    _ script: Script, clock: ManualClock, inbox: TriggerInbox, resync: Duration = .seconds(300), idle: ControllerLoop<ManualClock>.Idle? = nil
  ) -> Task<Void, Never> {
    let loop = ControllerLoop(
      inbox: inbox, clock: clock, resync: resync, backoff: Backoff(base: .seconds(1), cap: .seconds(60)), jitter: { 0.999_999 }, idle: idle
    ) {
      await script.run($0)
    }
    return Task(executorPreference: Self.executor) { await loop.run() }
  }

  @Test func triggersDuringARunCoalesceIntoOneFollowUp() async throws {
    try await withTaskExecutorPreference(Self.executor) {
      let script = Script(), clock = ManualClock(), inbox = TriggerInbox()
      await script.hold()
      let task = start(script, clock: clock, inbox: inbox)
      #expect(await eventuallyAsync(within: 60) { await script.isHeld })
      for t: Trigger in [.fileChanged("/a"), .engineEvent("die web"), .fileChanged("/a"), .manual("test")] { await inbox.post(t) }
      await script.release()
      #expect(await eventuallyAsync(within: 60) { await script.runs.count == 2 })
      let runs = await script.runs
      try #require(runs.count == 2)
      #expect(runs[0] == [.startup])
      #expect(Set(runs[1]) == [.fileChanged("/a"), .engineEvent("die web"), .manual("test")])
      task.cancel()
      await task.value
      #expect(await script.runs.count == 2)
    }
  }

  @Test func retryableFailuresBackOffExponentially() async {
    await withTaskExecutorPreference(Self.executor) {
      let script = Script(), clock = ManualClock(), inbox = TriggerInbox()
      for _ in 0..<3 { await script.push(.retryable("engine 503")) }
      let task = start(script, clock: clock, inbox: inbox)
      #expect(await eventuallyAsync(within: 60) { await script.runs.count == 1 })
      // attempt 1: ~1 s, attempt 2: ~2 s, attempt 3: ~4 s (jitter factor just under 1).
      for (expectedRuns, wait) in [(2, 1.0), (3, 2.0), (4, 4.0)] {
        #expect(await eventuallyAsync(within: 60) { clock.sleeperCount >= 2 })
        clock.advance(by: .seconds(wait * 0.99))
        #expect(await script.runs.count == expectedRuns - 1)
        clock.advance(by: .seconds(wait * 0.02))
        #expect(await eventuallyAsync(within: 60) { await script.runs.count == expectedRuns })
      }
      #expect(await script.runs.last == [.retry])
      task.cancel()
      await task.value
    }
  }

  /// An invalid manifest is not retried with backoff, but it never wedges the loop: any later trigger (a resync, a
  /// save, an engine event) runs again and reads the manifests afresh.
  @Test func aTerminalErrorIsNotRetriedButEveryLaterTriggerRuns() async {
    await withTaskExecutorPreference(Self.executor) {
      let script = Script(), clock = ManualClock(), inbox = TriggerInbox()
      await script.push(.terminal("invalid manifest"))
      await script.push(.terminal("invalid manifest"))
      let task = start(script, clock: clock, inbox: inbox)
      #expect(await eventuallyAsync(within: 60) { await script.runs.count == 1 && clock.sleeperCount == 1 })
      // Past any backoff and one resync period: the only run is the resync's, no retry was scheduled.
      clock.advance(by: .seconds(300))
      #expect(await eventuallyAsync(within: 60) { await script.runs.count == 2 })
      #expect(await script.runs.last == [.resync])
      await inbox.post(.fileChanged("manifests/app.json"))
      #expect(await eventuallyAsync(within: 60) { await script.runs.count == 3 })
      await inbox.post(.engineEvent("die web"))
      #expect(await eventuallyAsync(within: 60) { await script.runs.count == 4 })
      #expect(await !script.runs.contains { $0.contains(.retry) })
      task.cancel()
      await task.value
    }
  }

  @Test func theIdleActionRunsOnceAfterTheLastRunAndNotWhileRunsFollowEachOther() async {
    await withTaskExecutorPreference(Self.executor) {
      let script = Script(), clock = ManualClock(), inbox = TriggerInbox()
      let idled = Locked(0)
      let task = start(script, clock: clock, inbox: inbox, idle: .init(after: .seconds(2)) { idled.withLock { $0 += 1 } })
      // The startup run, then the resync's sleep and the idle one.
      #expect(await eventuallyAsync(within: 60) { await script.runs.count == 1 && clock.sleeperCount == 2 })
      clock.advance(by: .seconds(1.9))
      #expect(idled.current == 0)
      clock.advance(by: .seconds(0.2))
      #expect(await eventuallyAsync(within: 60) { idled.current == 1 })
      // A run 1 s after another: the first one's idle time comes during the second's, and is dropped.
      await inbox.post(.manual("a"))
      #expect(await eventuallyAsync(within: 60) { await script.runs.count == 2 && clock.sleeperCount == 2 })
      clock.advance(by: .seconds(1))
      await inbox.post(.manual("b"))
      #expect(await eventuallyAsync(within: 60) { await script.runs.count == 3 && clock.sleeperCount == 3 })
      clock.advance(by: .seconds(1.5))
      #expect(await eventuallyAsync(within: 60) { clock.sleeperCount == 2 })
      #expect(idled.current == 1)
      clock.advance(by: .seconds(0.6))
      #expect(await eventuallyAsync(within: 60) { idled.current == 2 })
      task.cancel()
      await task.value
      #expect(idled.current == 2, "the stale idle time did nothing")
    }
  }

  @Test func periodicResync() async {
    await withTaskExecutorPreference(Self.executor) {
      let script = Script(), clock = ManualClock(), inbox = TriggerInbox()
      let task = start(script, clock: clock, inbox: inbox, resync: .seconds(30))
      #expect(await eventuallyAsync(within: 60) { await script.runs.count == 1 && clock.sleeperCount == 1 })
      clock.advance(by: .seconds(30))
      #expect(await eventuallyAsync(within: 60) { await script.runs.count == 2 })
      #expect(await script.runs.dropFirst().first == [.resync])
      task.cancel()
      await task.value
    }
  }
}

@Suite struct BackoffAndGateTests {
  @Test func backoffIsCappedAndJittered() {
    let b = Backoff(base: .seconds(1), cap: .seconds(10))
    #expect(b.delay(attempt: 1, jitter: 0) == .milliseconds(500))
    #expect(b.delay(attempt: 3, jitter: 0) == .seconds(2))
    #expect(b.delay(attempt: 10, jitter: 0) == .seconds(5))
    #expect(b.delay(attempt: 10, jitter: 0.999_999) < .seconds(10))
  }

  @Test func alertsAreDeduplicatedAndRateLimited() {
    var gate = AlertGate(window: 600, perMinute: 3)
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let died = Alert(event: .containerDied, subject: "container/web", message: "exited 137", time: t0)
    let first = gate.admit(died, now: t0)
    let repeated = gate.admit(died, now: t0.addingTimeInterval(599))
    let afterWindow = gate.admit(died, now: t0.addingTimeInterval(601))
    #expect(first && !repeated && afterWindow)
    var admitted: [Bool] = []
    for i in 0..<5 {
      admitted.append(gate.admit(Alert(event: .applyFailed, subject: "file/\(i)", message: "x", time: t0), now: t0.addingTimeInterval(700)))
    }
    #expect(admitted == [true, true, true, false, false])
    #expect(gate.suppressed == 3)
  }

  /// Three apply-failed alerts about one resource that differ only in volatile text (a token in the Engine's
  /// message) are one alert.
  @Test func duplicatesAreRecognisedWhateverTheirMessageSays() {
    var gate = AlertGate(window: 600, perMinute: 20)
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let sent = (0..<3).map { i in
      gate.admit(Alert(event: .applyFailed, subject: "container/web", message: "Engine answered 500 (request \(UUID()))", time: t0), now: t0.addingTimeInterval(Double(i)))
    }
    #expect(sent == [true, false, false])
    let other = gate.admit(Alert(event: .applyFailed, subject: "container/api", message: "x", time: t0), now: t0.addingTimeInterval(3))
    #expect(other)
  }

  @Test func aResourceThatKeepsFailingIsDegradedUntilItsManifestChanges() {
    var t = FailureTracker(threshold: 3)
    let id = ResourceID(kind: "container", name: "web")
    let streak = (0..<3).map { _ in t.record(id, failed: true, fingerprint: "a") }
    #expect(streak == [false, false, true])
    #expect(t.degraded { _ in "a" } == [id])
    #expect(t.degraded { _ in "b" }.isEmpty)
    let recovered = t.record(id, failed: false, fingerprint: "a")
    #expect(!recovered)
    #expect(t.degraded { _ in "a" }.isEmpty)
  }

  /// A canary rolled back on its figures is a verdict on the desired version: degraded at once, not tried twice more.
  @Test func aVerdictDegradesAtOnceAndAnExecutorOutcomeCarriesIt() async {
    var t = FailureTracker(threshold: 3)
    let id = ResourceID(kind: "container", name: "web")
    let degradedNow = t.record(id, failed: true, verdict: true, fingerprint: "v2")
    #expect(degradedNow)
    #expect(t.degraded { _ in "v2" } == [id] && t.degraded { _ in "v3" }.isEmpty)

    struct Judged: StepPerformer {
      func perform(_ step: Step) async throws { throw OperationError(doing: "roll out the new version", "rolled back").asVerdict().cause(of: "replace", step.id) }
    }
    let step = Step(id: id, action: .replace, why: [], changes: [], desired: nil, prior: nil)
    let outcome = await Executor.perform(step, with: Judged(), observer: ExecutorTests.Quiet())
    #expect(outcome.isVerdict && outcome.status != .succeeded)
  }
}
