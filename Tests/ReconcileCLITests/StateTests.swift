import Foundation
import Testing
@testable import ReconcileDrivers
import TestSupport

/// The state store under pressure: saved plans, locks, crashes, corruption.
@Suite struct StateTests {
  @Test func aSavedPlanIsAppliedExactly() throws {
    let h = try CLIHarness(manifest: demoManifest)
    defer { h.cleanup() }
    let plan = try h.run(["plan", "--out", "\(h.root)/p.plan"])
    #expect(plan.stdout.contains("Saved the plan to \(h.root)/p.plan."))
    let r = try h.run(["apply", "\(h.root)/p.plan"])
    #expect(r.status == 0, "\(r.all)")
    #expect(h.read("\(h.host)/site/motd") == "hello\n")
  }

  @Test func aStaleSavedPlanIsRefusedListingWhatMoved() throws {
    let h = try CLIHarness.applied(demoManifest)
    defer { h.cleanup() }
    try "edited by hand\n".write(toFile: "\(h.host)/site/motd", atomically: true, encoding: .utf8)
    #expect(try h.run(["plan", "--out", "\(h.root)/p.plan"]).status == 0)
    try "edited again\n".write(toFile: "\(h.host)/site/motd", atomically: true, encoding: .utf8)
    let r = try h.run(["apply", "\(h.root)/p.plan"])
    #expect(r.status == 1)
    #expect(r.stderr.contains("error: the saved plan '\(h.root)/p.plan' is stale: what it touches has changed since it was made:\n    file/motd\n"))
    #expect(h.read("\(h.host)/site/motd") == "edited again\n")
  }

  @Test func aLockHeldByAnotherRunIsReportedWithItsHolder() throws {
    let h = try CLIHarness(manifest: demoManifest)
    defer { h.cleanup() }
    try FileManager.default.createDirectory(atPath: h.state, withIntermediateDirectories: true)
    let lock = try StateLock(directory: h.state, command: "reconcile apply (test holder)", timeout: 0)
    let r = try h.run(["apply", "--auto-approve"])
    #expect(r.status == 1)
    #expect(r.stderr.contains("error: the state in '\(h.state)' is locked: held by pid \(getpid()) on host "))
    #expect(r.stderr.contains("(reconcile apply (test holder)), since "))
    #expect(r.stderr.hasSuffix("; wait for it or retry with --lock-timeout 60s\n"))
    #expect(!h.exists("\(h.host)/site"))
    lock.release()
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
  }

  @Test func twoConcurrentAppliesSerializeOnTheLock() throws {
    let h = try CLIHarness(manifest: Self.many(400))
    defer { h.cleanup() }
    let a = h.start(["apply", "--auto-approve", "--lock-timeout", "60s"])
    let b = h.start(["apply", "--auto-approve", "--lock-timeout", "60s"])
    a.process.waitUntilExit()
    b.process.waitUntilExit()
    let ra = a.result(), rb = b.result()
    #expect(ra.status == 0 && rb.status == 0, "\(ra.all)\n\(rb.all)")
    // Exactly one of them created the files; the other found nothing to do.
    let creators = [ra, rb].filter { $0.stdout.contains("Apply complete: 401 added") }
    let idle = [ra, rb].filter { $0.stdout == "No changes. The host matches the manifests.\n" }
    #expect(creators.count == 1 && idle.count == 1)
    #expect(try h.run(["plan", "--detailed-exitcode"]).status == 0)
  }

  @Test func killedMidApplyTheNextApplyRecoversAndConverges() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let n = 3000
    try h.manifest(Self.many(n))
    let run = h.start(["apply", "--auto-approve", "--parallelism", "1"])
    let journal = "\(h.state)/journal.jsonl"
    let started = eventually(within: 30) { (h.read(journal)?.split(separator: "\n").count ?? 0) >= 100 }
    kill(run.process.processIdentifier, SIGKILL)
    run.process.waitUntilExit()
    try #require(started, "the apply never journaled 100 steps")
    #expect(run.process.terminationReason == .uncaughtSignal)
    #expect(!h.exists("\(h.state)/state.json") || !(h.read("\(h.state)/state.json") ?? "").contains("\"file/f\(n - 1)\""))
    let r = try h.run(["apply", "--auto-approve"])
    #expect(r.status == 0, "\(r.all)")
    #expect(r.stderr.contains("warning: the previous run (pid \(run.process.processIdentifier) on host "))
    #expect(r.stderr.contains("from an interrupted apply into the state"))
    let files = try FileManager.default.contentsOfDirectory(atPath: "\(h.host)/many")
    #expect(files.count == n)
    #expect(!files.contains { $0.contains("reconcile-tmp") })
    #expect(try h.run(["plan", "--detailed-exitcode"]).status == 0)
    let state = h.read("\(h.state)/state.json") ?? ""
    #expect(state.components(separatedBy: "\"fingerprint\"").count - 1 == n + 1)
  }

  @Test func aCorruptedStateIsAClearErrorNeverAReset() throws {
    let h = try CLIHarness.applied(demoManifest)
    defer { h.cleanup() }
    try "{ \"version\": 1, \"lineage\": ".write(toFile: "\(h.state)/state.json", atomically: true, encoding: .utf8)
    for cmd in [["plan"], ["apply", "--auto-approve"], ["drift"]] {
      let r = try h.run(cmd)
      #expect(r.status == 1)
      #expect(r.stderr.hasPrefix("error: the state file '\(h.state)/state.json' is corrupted: "))
      // One apply so far: there is no previous version, and the message does not point at one.
      #expect(!h.exists("\(h.state)/state.json.previous"))
      #expect(r.stderr.contains("Nothing was changed. There is no previous version to go back to"))
    }
    #expect(h.read("\(h.state)/state.json") == "{ \"version\": 1, \"lineage\": ")
  }

  @Test func statePreviousVersionAndSerialAdvance() throws {
    let h = try CLIHarness.applied(demoManifest)
    defer { h.cleanup() }
    try "changed\n".write(toFile: "\(h.host)/site/motd", atomically: true, encoding: .utf8)
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    let now = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(h.state)/state.json"))) as! [String: Any]
    let prev = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(h.state)/state.json.previous"))) as! [String: Any]
    #expect(now["serial"] as? Int == 2 && prev["serial"] as? Int == 1)
    #expect(now["lineage"] as? String == prev["lineage"] as? String)
    let status = try h.run(["status"])
    #expect(status.stdout.contains("(serial 2, lineage "))
    #expect(status.stdout.contains("succeeded, from no git revision"))
  }

  static func many(_ n: Int) -> String {
    var items = [#"{ "kind": "directory", "name": "many", "path": "HOST/many" }"#]
    for i in 0..<n { items.append(#"{ "kind": "file", "name": "f\#(i)", "path": "HOST/many/f\#(i)", "content": "file \#(i)\n", "dependsOn": ["directory/many"] }"#) }
    return #"{ "apiVersion": "reconcile/v1", "resources": [ "# + items.joined(separator: ",\n") + " ] }"
  }
}
