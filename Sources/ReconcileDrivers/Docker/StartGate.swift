import DockerEngine
import Foundation
import HTTPKit
import ReconcileCore

/// When a container's start counts as done: with a healthcheck, once it is healthy (within `healthyWithin`);
/// without one, once it has kept running for `startupGrace`; then, with a `readiness`, once it answers it. A container that exits or turns unhealthy first fails
/// its step, with its exit code, its last health checks and the last lines of its log.
struct StartGate: Sendable {
  let client: DockerEngineClient

  /// Waits for `id` to pass; a failure names what happened, with the container's last log lines.
  func waitUntilStarted(_ id: String, spec: ContainerSpec) async throws {
    do {
      try await waitUntilServing(id, spec: spec)
    } catch let failure as OperationError {
      throw OperationError(failure.description + (await logTail(id)), retryable: false)
    }
  }

  /// Before traffic moves to a new container: healthy (without a healthcheck: still running after `startupGrace`),
  /// then ready when it has a `readiness`.
  func waitUntilServing(_ id: String, spec: ContainerSpec) async throws {
    let started = ContinuousClock.now
    if spec.healthcheck != nil {
      try await waitUntilHealthy(id, within: spec.healthyWithin)
    } else {
      // Running at the first look says little (a process about to exit): it must keep running for startupGrace.
      try await waitUntilStillRunning(id, for: spec.startupGrace)
    }
    if let readiness = spec.readiness {
      let spent = ContinuousClock.now - started
      try await waitUntilReady(id, readiness, within: max(1, spec.healthyWithin - Double(spent.components.seconds)))
    }
  }

  /// Asks the container's own address for its readiness path every 200 ms until it answers 2xx; throws with the
  /// last answer when it does not within `seconds`, or when the container exits meanwhile.
  func waitUntilReady(_ id: String, _ readiness: ContainerSpec.Readiness, within seconds: Double) async throws {
    let address = try await RouteSwitcher.address(of: id, client: client)
    let host = address.contains(":") ? "[\(address)]" : address
    let url = "http://\(host):\(readiness.port)\(readiness.path)"
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    var last = "no answer"
    while true {
      let http = HTTPClient(timeoutSeconds: 2)
      switch await Task.detached(operation: { Result { try http.send("GET", url) } }).value {
      case .success(let r) where (200..<300).contains(r.status): return
      case .success(let r): last = "it answered \(r.status)"
      case .failure(let e): last = "\(e)"
      }
      let inspected = try await client.inspectContainer(id)
      if !inspected.state.running { throw OperationError("the new container exited with code \(inspected.state.exitCode) before it was ready") }
      if ContinuousClock.now >= deadline { break }
      try await Task.sleep(for: .milliseconds(200))
    }
    throw OperationError("the new container was not ready within \(ResourceQuantity.format(seconds: seconds)): GET :\(readiness.port)\(readiness.path): \(last)")
  }

  /// Polls until `seconds` pass with the container running; throws when it stops first.
  func waitUntilStillRunning(_ id: String, for seconds: Double) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while true {
      let inspected = try await client.inspectContainer(id)
      if !inspected.state.running && !inspected.state.restarting {
        throw OperationError("the container exited with code \(inspected.state.exitCode) within \(ResourceQuantity.format(seconds: seconds)) of its start")
      }
      if ContinuousClock.now >= deadline { return }
      try await Task.sleep(for: .milliseconds(100))
    }
  }

  /// `; last log lines:` and the container's last 10 lines, or nothing when it logged nothing.
  func logTail(_ id: String) async -> String {
    guard let text = try? await client.containerLogText(id, tail: 10) else { return "" }
    let lines = text.split(separator: "\n").suffix(10).map { "    " + $0 }
    return lines.isEmpty ? "" : "; last log lines:\n" + lines.joined(separator: "\n")
  }

  /// Polls the new container until it is healthy (or, without any healthcheck, running), with a
  /// deadline. Throws with the last health probes' output when it is not.
  func waitUntilHealthy(_ id: String, within seconds: Double, subject: String = "the new container") async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    var last: DockerContainerInspect?
    while true {
      let inspected = try await client.inspectContainer(id)
      last = inspected
      if !inspected.state.running && !inspected.state.restarting {
        throw OperationError("\(subject) exited with code \(inspected.state.exitCode) before it became healthy\(Self.healthLog(inspected))")
      }
      switch inspected.state.health?.status {
      case "healthy"?: return
      case nil where inspected.state.running: return
      case "unhealthy"?:
        throw OperationError("\(subject) became unhealthy\(Self.healthLog(inspected))")
      default: break
      }
      if ContinuousClock.now >= deadline { break }
      try await Task.sleep(for: .milliseconds(100))
    }
    throw OperationError(
      "\(subject) did not become healthy within \(ResourceQuantity.format(seconds: seconds)) (health: \(last?.state.health?.status ?? "none"))\(last.map(Self.healthLog) ?? "")"
    )
  }

  /// Waits for the containers a step depends on with `"condition": "healthy"`; a missing one, one that exits or turns
  /// unhealthy, or one not healthy in time fails the step before it changes anything.
  func waitForGates(of step: Step) async throws {
    for gate in step.healthGates {
      let name = gate.locator["name"] ?? gate.id.name
      guard try await client.inspectContainerIfPresent(name) != nil else {
        throw OperationError("\(gate.id), which must be healthy first, does not exist")
      }
      try await waitUntilHealthy(name, within: gate.within, subject: "\(gate.id), which must be healthy first,")
    }
  }

  /// `; last health checks:\n    exit 1: output` (the newest five probes).
  static func healthLog(_ inspected: DockerContainerInspect) -> String {
    guard let probes = inspected.state.health?.log, !probes.isEmpty else { return "" }
    let lines = probes.suffix(5).map { probe -> String in
      let output = probe.output.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " | ")
      return "    exit \(probe.exitCode): \(output.isEmpty ? "(no output)" : output)"
    }
    return "; last health checks:\n" + lines.joined(separator: "\n")
  }
}
