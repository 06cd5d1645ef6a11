import Foundation
import Testing
import TestSupport

/// Where failures are told: a failed apply on standard error, a job's run outcome by run-job, and a failing job's
/// alert in the controller (job-failing, never drift-healed: applying cannot heal a job's runs).
@Suite struct FailureReportingTests {
  @Test func aFailedApplyWritesItsErrorsToStandardError() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try "a file, not a directory".write(toFile: h.host + "/blocker", atomically: true, encoding: .utf8)
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "x", "path": "HOST/blocker/x", "content": "x" } ] }"#)
    let r = try h.run(["apply", "--auto-approve"])
    #expect(r.status == 1)
    #expect(r.stderr.contains("file/x: could not"), "\(r.all)")
  }

  @Test func runJobTellsEveryOutcome() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(
      #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "job", "name": "ok", "schedule": "@hourly", "command": "true", "cronDirectory": "HOST/cron.d" }, { "kind": "job", "name": "bad", "schedule": "@hourly", "command": "echo nope; exit 4", "cronDirectory": "HOST/cron.d" } ] }"#
    )
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    let ok = try h.run(["run-job", "ok"])
    #expect(ok.status == 0 && ok.stdout.hasPrefix("job 'ok' succeeded in "), "\(ok.all)")
    let bad = try h.run(["run-job", "bad"])
    #expect(bad.status == 4 && bad.stderr.contains("job 'bad' exited with status 4; output tail:\nnope"), "\(bad.all)")
  }

  @Test func aFailingJobRaisesJobFailingNotDriftHealed() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let receiver = try WebhookReceiver(secret: "alert-secret-1234")
    defer { receiver.stop() }
    try h.manifest(
      """
      { "apiVersion": "reconcile/v1", "policy": { "selfHeal": true },
        "alerts": [ { "name": "ops", "type": "webhook", "url": "\(receiver.url)", "secret": "alert-secret-1234" } ],
        "resources": [ { "kind": "job", "name": "flaky", "schedule": "@hourly", "command": "exit 3", "cronDirectory": "HOST/cron.d", "failuresBeforeAlert": 2 } ] }
      """)
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    for _ in 0..<2 { _ = try h.run(["run-job", "flaky"]) }
    let c = try ControllerProcess(h, [])
    defer { c.terminate() }
    #expect(eventually(within: 30) { !receiver.alerts("job-failing").isEmpty }, "\(c.log)")
    #expect(eventually(within: 10) { c.lastRunOutcome != nil })
    #expect(receiver.alerts("drift-healed").isEmpty, "a job's failing runs are not healed by an apply: \(receiver.alerts("drift-healed"))")
    #expect(c.stop() == 0)
  }
}
