import DockerEngine
import Foundation
import ReconcileCore
import ReconcileDrivers
import ReconcileRuntime

/// Follows the Docker Engine's event stream for reconcile's labelled containers: a container that dies,
/// stops, is destroyed or changes health triggers a run (the run decides and alerts from what it observes,
/// so reconcile's own replacements raise no alarm). When the engine goes away the controller is marked not
/// ready and reconnects with backoff; when it answers again a run is triggered.
struct EngineEventWatcher: Sendable {
  let client: DockerEngineClient
  let inbox: TriggerInbox
  let state: ControllerState
  let alerts: AlertDispatcher
  let backoff = Backoff(base: .seconds(1), cap: .seconds(30))
  /// Whether the manifests in force declare Docker resources (otherwise an absent engine is no concern).
  let inUse: @Sendable () -> Bool
  /// Whether a resource (`container/web`) is one this controller manages: another reconcile on a shared engine
  /// labels its containers too.
  let isOwn: @Sendable (String) -> Bool

  func run() async {
    var failures = 0
    while !Task.isCancelled {
      do {
        _ = try await client.ping()
        if failures > 0 { await inbox.post(.engineReconnected) }
        failures = 0
        let inbox = self.inbox
        try await client.events(filters: [
          "type": ["container"], "label": [DockerLabel.managedSelector], "event": ["die", "stop", "destroy", "health_status"],
        ]) { [isOwn] event in
          guard let resource = event.actor.attributes?[DockerLabel.resource], isOwn(resource) else { return !Task.isCancelled }
          let name = event.actor.attributes?["name"] ?? String(event.actor.id.prefix(12))
          // The Engine publishes `die` before its container list shows the exit; a run started at once can
          // still observe `running`. 200 ms lets the Engine's view settle (and a kill/die/stop burst coalesce).
          Task {
            try? await Task.sleep(for: .milliseconds(200))
            await inbox.post(.engineEvent("\(event.action) \(name)"))
          }
          return !Task.isCancelled
        }
      } catch {
        if Task.isCancelled { return }
        failures += 1
        if inUse() {
          state.setReady(false, "cannot reach the Docker Engine: \(error)")
          await alerts.send(.engineUnreachable, subject: "docker", "\(error)")
        }
        try? await Task.sleep(for: backoff.delay(attempt: failures, jitter: Double.random(in: 0..<1)))
      }
    }
  }
}
