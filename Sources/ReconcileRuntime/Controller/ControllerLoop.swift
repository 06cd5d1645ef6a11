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
  let runner: Runner

  public init(inbox: TriggerInbox, clock: C, resync: Duration, backoff: Backoff, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, runner: @escaping Runner)
  {
    self.inbox = inbox
    self.clock = clock
    self.resync = resync
    self.backoff = backoff
    self.jitter = jitter
    self.runner = runner
  }

  public func run() async {
    await inbox.post(.startup)
    await withTaskGroup(of: Void.self) { group in
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

  func loop(group: inout TaskGroup<Void>) async {
    var attempt = 0
    var retry: Task<Void, Never>?
    while !Task.isCancelled {
      await inbox.wait()
      if Task.isCancelled { break }
      var triggers = await inbox.take()
      if triggers.isEmpty { continue }
      retry?.cancel()
      retry = nil
      triggers.sort { $0.description < $1.description }
      switch await runner(triggers) {
      case .succeeded:
        attempt = 0
      case .terminal:
        attempt = 0
      case .retryable:
        attempt += 1
        let delay = backoff.delay(attempt: attempt, jitter: jitter())
        let inbox = self.inbox, clock = self.clock
        retry = Task {
          do { try await clock.sleep(for: delay) } catch { return }
          await inbox.post(.retry)
        }
      }
    }
    retry?.cancel()
  }
}
