import Foundation

/// How one reconciliation run ended, as the loop needs to know it.
public enum RunVerdict: Sendable, Equatable {
  case succeeded
  /// Worth retrying with backoff (a Docker 5xx, a failed step, the engine away).
  case retryable(String)
  /// Not retried with backoff (an invalid manifest): nothing changes until something does. The next trigger of
  /// any kind (a save, a resync, an engine event) runs again, and every run reads the desired state afresh.
  case terminal(String)
}

/// The level-triggered controller loop: every trigger leads to a full run, one at a time; triggers arriving
/// during a run coalesce into one follow-up run; failures back off exponentially with jitter; a terminal
/// failure is not retried, but any later trigger runs. Ends when its task is cancelled, after the current run.
public struct ControllerLoop<C: Clock>: Sendable where C.Duration == Duration {
  public typealias Runner = @Sendable ([Trigger]) async -> RunVerdict

  let inbox: TriggerInbox
  let clock: C
  let resync: Duration
  let backoff: Backoff
  let jitter: @Sendable () -> Double
  let idle: Idle?
  let runner: Runner

  /// What to do once the loop has waited `after` since a run with no run started meanwhile (hand memory back).
  public struct Idle: Sendable {
    public let after: Duration
    public let action: @Sendable () -> Void
    public init(after: Duration, action: @escaping @Sendable () -> Void) {
      self.after = after
      self.action = action
    }
  }

  public init(
    inbox: TriggerInbox, clock: C, resync: Duration, backoff: Backoff, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
    idle: Idle? = nil, runner: @escaping Runner
  ) {
    self.inbox = inbox
    self.clock = clock
    self.resync = resync
    self.backoff = backoff
    self.jitter = jitter
    self.idle = idle
    self.runner = runner
  }

  public func run() async {
    await inbox.post(.startup)
    await withDiscardingTaskGroup { group in
      group.addTask { await self.tick() }
      await self.loop(group: &group)
      group.cancelAll()
    }
  }

  /// Posts a resync every `resync`.
  func tick() async {
    while !Task.isCancelled {
      do { try await clock.sleep(for: resync) } catch { return }
      await inbox.post(.resync)
    }
  }

  func loop(group: inout DiscardingTaskGroup) async {
    var attempt = 0
    // Retries and idle actions are child tasks of the loop (they share its executor and end with it); a run makes
    // every one scheduled before it stale, which is then dropped when it fires.
    let generation = RunGeneration()
    while !Task.isCancelled {
      await inbox.wait()
      if Task.isCancelled { break }
      var triggers = await inbox.take()
      if triggers.isEmpty { continue }
      let current = generation.next()
      triggers.sort { $0.description < $1.description }
      let verdict = await runner(triggers)
      if let idle {
        let clock = self.clock
        group.addTask {
          do { try await clock.sleep(for: idle.after) } catch { return }
          if generation.isCurrent(current) { idle.action() }
        }
      }
      switch verdict {
      case .succeeded:
        attempt = 0
      case .terminal:
        attempt = 0
      case .retryable:
        attempt += 1
        let delay = backoff.delay(attempt: attempt, jitter: jitter())
        let inbox = self.inbox, clock = self.clock
        group.addTask {
          do { try await clock.sleep(for: delay) } catch { return }
          if generation.isCurrent(current) { await inbox.post(.retry) }
        }
      }
    }
  }
}

/// Which run a scheduled retry or idle action belongs to: it is stale once a newer run has started.
final class RunGeneration: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0

  /// Starts a new generation and returns it.
  func next() -> Int {
    lock.withLock {
      value += 1; return value
    }
  }
  func isCurrent(_ g: Int) -> Bool { lock.withLock { value == g } }
}
