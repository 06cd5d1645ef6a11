import Foundation
import Testing
import TestSupport

/// A backup ended from outside, through the real binary: kill -9 in the middle of archiving, and SIGTERM (what a
/// job timeout sends). No child outlives it, no staging copy outlives the next run (SIGTERM: not even the run), and
/// the next backup succeeds.
@Suite struct KilledBackupTests {
  static func sandbox() throws -> CLIHarness {
    let h = try CLIHarness()
    try FileManager.default.createDirectory(atPath: h.host + "/data", withIntermediateDirectories: true)
    // Incompressible data, so tar -z takes a while.
    #expect(ProxyTest.run(["sh", "-c", "head -c 300000000 /dev/urandom > '\(h.host)/data/blob'"]).status == 0)
    try h.manifest(
      #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "backup", "name": "big", "sources": [ { "path": "HOST/data" } ], "destination": "HOST/backups", "schedule": "@daily", "keep": { "last": 2 } } ] }"#
    )
    return h
  }

  static func partials(_ h: CLIHarness) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: h.host + "/backups/big")) ?? []).filter { $0.hasSuffix(".partial") }
  }

  /// Processes whose command line names this sandbox (tar, cp), apart from the test itself.
  static func children(_ h: CLIHarness) -> [String] {
    ProxyTest.run(["pgrep", "-af", h.host + "/backups"]).text.split(separator: "\n").map(String.init).filter { !$0.contains("pgrep") }
  }

  @Test(arguments: [SIGKILL, SIGTERM])
  func aBackupEndedFromOutsideLeavesNothingBehind(_ signal: Int32) throws {
    let h = try Self.sandbox()
    defer { h.cleanup() }
    let running = h.start(["backup", "run", "big"])
    // Wait until it archives: the partial archive exists and tar runs.
    #expect(eventually(within: 60) { FileManager.default.fileExists(atPath: h.host + "/backups/big") && Self.partials(h).contains { $0.hasSuffix(".tar.gz.partial") } })
    kill(running.process.processIdentifier, signal)
    running.process.waitUntilExit()
    #expect(eventually(within: 1) { Self.children(h).isEmpty }, "children outlived reconcile: \(Self.children(h))")
    if signal == SIGTERM {
      #expect(running.process.terminationStatus == 143, "\(running.result().all)")
      #expect(Self.partials(h).isEmpty, "a stopped backup removes its staging copy: \(Self.partials(h))")
    }
    let next = try h.run(["backup", "run", "big"])
    #expect(next.status == 0, "\(next.all)")
    #expect(Self.partials(h).isEmpty, "\(Self.partials(h))")
  }
}
