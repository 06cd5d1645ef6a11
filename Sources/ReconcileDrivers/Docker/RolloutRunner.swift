import DockerEngine
import Foundation
import ReconcileCore

/// Carries out a canary or blue-green once the new container is healthy beside the old one: the proxy (nginx or Caddy)
/// gives the new one each step's share of the requests, and for the step's interval the new version is judged on what
/// the proxy logged of it (5xx share, p95) and what the Engine says of it (failing health checks, memory, still
/// running). Within limits, the next step; the last gives it everything and the old one drains. A breach sends
/// everything back to the old one, removes the new one, and fails the step with the figures.
struct RolloutRunner: Sendable {
  let client: DockerEngineClient
  let spec: ContainerSpec
  let rollout: Rollout
  let gate: RolloutGate
  /// How often the figures are read within a step.
  var pollInterval = 0.5

  /// Runs the steps from `start` (a resumed canary starts where the interrupted one was).
  func run(old: DockerContainerInspect, newID: String, from start: Int = 0) async throws {
    let oldAddress = try await RouteSwitcher.address(of: old.id, client: client)
    let newAddress = try await RouteSwitcher.address(of: newID, client: client)
    do {
      try await steps(from: oldAddress, to: newAddress, old: old.id, newID: newID, start: start)
    } catch let done as RolledBack {
      throw done.failure
    } catch let stopped as Stopped {
      // The split stays as it is, with its position recorded: the next run goes on from this step.
      throw stopped
    } catch {
      // A step that could not be taken (the proxy refused a configuration) must not leave the traffic split.
      gate.clear(for: spec.id)
      try? RouteSwitcher.point(spec.routes, at: oldAddress, for: spec.id)
      throw error
    }
    await RouteSwitcher.drain(spec.routes, leaving: [oldAddress], timeout: spec.drainTimeout)
  }

  func steps(from oldAddress: String, to newAddress: String, old: String, newID: String, start: Int) async throws {
    var current = rollout.share(before: start)
    for (index, step) in rollout.steps.enumerated() where index >= start {
      gate.record(RolloutGate.Position(step: index, old: old, new: newID, configHash: spec.configHash, steps: rollout.steps.map(\.description)), for: spec.id)
      guard case .percent(let percent) = step else {
        // A person decides: the share stays as it is until `reconcile promote` or `reconcile abort`.
        StepNotes.post(.paused(strategy: rollout.strategy, percent: current, name: spec.id.name), for: spec.id)
        switch await gate.wait(for: spec.id, at: current) {
        case .abort: try await rollBack(at: current, [.aborted], to: oldAddress, from: newAddress, removing: newID)
        case .stop: throw Stopped(strategy: rollout.strategy, percent: current)
        case .promote: break
        }
        StepNotes.post(.promoted(strategy: rollout.strategy, percent: current), for: spec.id)
        continue
      }
      current = percent
      var tallies = Set(spec.routes.map(\.prefix)).sorted().map { UpstreamTally(path: UpstreamTally.log(under: $0), address: newAddress) }
      let servers = percent >= 100 ? [(address: newAddress, weight: 1)] : [(oldAddress, 100 - percent), (newAddress, percent)]
      try RouteSwitcher.point(spec.routes, servers: servers, for: spec.id)
      let deadline = Date().addingTimeInterval(rollout.interval)
      var final = false
      while true {
        final = Date() >= deadline
        let figures = await measure(newID, &tallies)
        let breaches = figures.breaches(of: rollout.analysis, final: final)
        if !breaches.isEmpty { try await rollBack(at: percent, breaches, to: oldAddress, from: newAddress, removing: newID) }
        if final {
          StepNotes.post(.rolloutStepPassed(strategy: rollout.strategy, percent: percent, figures: figures), for: spec.id)
          break
        }
        if Stopping.requested { throw Stopped(strategy: rollout.strategy, percent: percent) }
        try? await Task.sleep(nanoseconds: UInt64(min(pollInterval, max(deadline.timeIntervalSinceNow, 0.01)) * 1e9))
      }
    }
    gate.clear(for: spec.id)
  }

  /// The new version's figures so far in this step.
  func measure(_ id: String, _ tallies: inout [UpstreamTally]) async -> VersionFigures {
    for i in tallies.indices { tallies[i].read() }
    var f = VersionFigures(requests: tallies.map(\.requests).reduce(0, +), errors: tallies.map(\.errors).reduce(0, +))
    f.p95 = tallies.compactMap(\.p95).max()
    if let c = try? await client.inspectContainerIfPresent(id) {
      f.healthFailures = c.state.health?.failingStreak ?? 0
      if !c.state.running { f.stopped = "exit code \(c.state.exitCode)\(c.state.oomKilled ? ", killed for lack of memory" : "")" }
    } else {
      f.stopped = "it is gone"
    }
    if spec.memoryBytes != nil, let m = try? await client.memoryStats(id).memoryStats, let used = m.used, let limit = m.limit, limit > 0 {
      f.memoryPercent = Double(used) * 100 / Double(limit)
    }
    return f
  }

  /// Everything back to the old container; the new one finishes what it has, then goes.
  func rollBack(at percent: Int, _ breaches: [RolloutBreach], to oldAddress: String, from newAddress: String, removing newID: String) async throws -> Never {
    gate.clear(for: spec.id)
    StepNotes.post(.rolledBack(strategy: rollout.strategy, percent: percent, breaches: breaches), for: spec.id)
    try RouteSwitcher.point(spec.routes, at: oldAddress, for: spec.id)
    await RouteSwitcher.drain(spec.routes, leaving: [newAddress], timeout: spec.drainTimeout)
    try? await client.removeContainer(newID, force: true, anonymousVolumes: true)
    throw RolledBack(
      failure: OperationError(
        doing: "roll out the new version",
        "\(rollout.strategy.rawValue) rolled back at \(percent)%: \(breaches.map(\.text).joined(separator: "; ")); every request goes to the old container again and the new one was removed",
        retryable: false
      ).asVerdict())
  }

  /// A rollout left where it was because this reconcile is stopping.
  struct Stopped: Error {
    let strategy: Rollout.Strategy
    let percent: Int

    var failure: OperationError {
      OperationError(
        doing: "roll out the new version",
        "reconcile is stopping: the \(strategy.rawValue) stays at \(percent)% as it is, and the next run goes on from there")
    }
  }

  /// A rollout that ended in a rollback: the traffic is back already.
  struct RolledBack: Error {
    let failure: OperationError
  }
}
