import Foundation
import ReconcileCore

/// Reloads the servers that use a certificate after it changed (only those running: a stopped one loads it at start).
enum ServerReloader {
  static func reload(users: [[String]], what: String) throws {
    for u in users where u.count >= 2 {
      switch u[0] {
      case "nginx":
        let server = NginxServer(prefix: u[1])
        guard let pid = server.runningPID else { continue }
        let lock = try PrefixLock(u[1])
        try withExtendedLifetime(lock) {
          try server.reload(pid: pid, what: what)
          try LoadedCertificates(prefix: u[1]).record(from: server.generations.live)
        }
      case "caddy" where u.count >= 3:
        let server = CaddyServer(prefix: u[1], admin: u[2])
        guard server.isRunning, let text = FileOut.read(server.generations.live + "/Caddyfile") else { continue }
        let lock = try PrefixLock(u[1])
        try withExtendedLifetime(lock) {
          try server.load(text, what: what)
          try LoadedCertificates(prefix: u[1]).record(from: server.generations.live)
        }
      default: continue
      }
    }
  }
}
