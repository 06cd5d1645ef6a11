import Foundation
import ReconcileCore

/// Checks unit files with `systemd-analyze verify` before anything is installed. `verify` exits 0 on some
/// errors (an unknown key, a missing binary in some versions), so any diagnostic line counts as a failure.
struct UnitVerifier: Sendable {
  let system: TargetSystem

  /// Writes `files` (unit name or `UNIT.d/NAME.conf` → content) to a temp directory in the target, runs
  /// `systemd-analyze verify` on the units, and removes the directory. Throws with argv, status and output.
  func verify(_ files: [String: String], subject: ResourceID, redactor: Redactor) throws {
    let dir = "/tmp/reconcile-verify-\(UUID().uuidString.prefix(8).lowercased())"
    defer { removeTree(dir) }
    for (name, content) in files { try system.write("\(dir)/\(name)", content, mode: 0o644, redactor: redactor) }
    let units = files.keys.filter { !$0.contains("/") }.sorted().map { "\(system.isRemote ? dir : system.local(dir))/\($0)" }
    let r = try system.run(["systemd-analyze", "verify"] + units)
    let diagnostics = r.output.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    guard r.status == 0, diagnostics.isEmpty else {
      let why = r.status == 0 ? "systemd-analyze verify reported problems (it exits 0 on some errors)" : "systemd-analyze verify refused the unit"
      throw r.failure(doing: "install", of: subject, meaning: why, redactor: redactor)
    }
  }

  func removeTree(_ dir: String) {
    if system.isRemote {
      _ = try? system.run(["rm", "-rf", dir])
    } else {
      try? FileManager.default.removeItem(atPath: system.local(dir))
    }
  }
}
