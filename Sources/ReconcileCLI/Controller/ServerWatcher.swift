import Essentials
import Foundation
import ReconcileCore
import ReconcileDrivers
import ReconcileRuntime

/// Watches the managed nginx and Caddy servers between runs (every second): one that ran and is gone (a crash, a kill,
/// an OOM) triggers a run at once, which starts it again (with self-heal) and alerts `server-down`, instead of
/// waiting for the next resync. Every minute (and after each run) it also keeps their logs and the state's history
/// under `logLimit` bytes (`LogRotation`).
final class ServerWatcher: Sendable {
  struct Server: Hashable, Sendable {
    var kind: ProxyServerKind
    var prefix: String
    var admin: String?
    var text: String { "\(kind.rawValue) at \(prefix)" }
  }

  /// The servers of the manifests in force, set after each run.
  let servers = Locked<Set<Server>>([])
  let logLimit: Int
  let historyPath = Locked<String?>(nil)

  init(logLimit: Int) { self.logLimit = logLimit }

  /// Moves aside what is past the limit (the servers' logs, the history).
  func rotateLogs() {
    for s in servers.current { LogRotation.rotate(server: s.kind, prefix: s.prefix, admin: s.admin, limit: logLimit) }
    if let h = historyPath.current { LogRotation.rotate(history: h, limit: logLimit) }
  }

  func watch(_ manifest: Manifest) {
    let sites = manifest.resources.compactMap { $0.spec as? SiteSpec }
    servers.withLock { $0 = Set(sites.map { Server(kind: $0.server, prefix: $0.prefix, admin: $0.admin) }) }
  }

  func run(inbox: TriggerInbox, every seconds: Double = 1) async {
    var running: [Server: Bool] = [:]
    var ticks = 0
    while !Task.isCancelled {
      ticks += 1
      if ticks % 60 == 0 { rotateLogs() }
      for s in servers.current {
        let now = ManagedServer.isRunning(s.kind, prefix: s.prefix, admin: s.admin)
        if running[s] == true, !now { await inbox.post(.serverStopped(s.text)) }
        running[s] = now
      }
      try? await Task.sleep(for: .seconds(seconds))
    }
  }
}
