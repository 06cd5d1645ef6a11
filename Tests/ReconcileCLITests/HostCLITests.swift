import Foundation
import Testing
import TestSupport

/// The host kinds end to end through the real binary: units offline, jobs with the wrapper and drift, backups,
/// and one job picked up by the real cron daemon from the real /etc/cron.d.
@Suite struct HostCLITests {
  static let hostManifest = #"""
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "unit", "name": "hello", "root": "HOST/sys", "content": "[Unit]\nDescription=hello\n\n[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n" },
      { "kind": "job", "name": "sync-notes", "schedule": "*/5 * * * *", "command": "echo synced $TOKEN", "cronDirectory": "HOST/cron.d", "maxAge": "1s",
        "environment": { "TOKEN": "${secret.TOKEN}" } },
      { "kind": "job", "name": "flaky", "schedule": "@hourly", "command": "echo broken; exit 3", "cronDirectory": "HOST/cron.d", "failuresBeforeAlert": 2 },
      { "kind": "backup", "name": "data", "sources": [ { "sqlite": "HOST/data/app.sqlite" }, { "path": "HOST/data/notes" } ], "destination": "HOST/backups",
        "schedule": "@daily", "keep": { "last": 2 }, "cronDirectory": "HOST/cron.d" } ] }
    """#

  static let env = ["TOKEN": "t0ken-secret-value"]

  @Test func hostKindsApplyIdempotentlyAndSayWhenSystemdIsNotPID1() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    // maxAge 1h here: a job that has not run yet is not late within this test, however loaded the machine is.
    try h.manifest(Self.hostManifest.replacingOccurrences(of: #""maxAge": "1s""#, with: #""maxAge": "1h""#))
    let plan = try h.run(["plan"], env: Self.env)
    #expect(plan.stdout.contains("Plan: 4 to add, 0 to change, 0 to replace, 0 to destroy.\n"), "\(plan.all)")
    #expect(
      plan.stdout.contains("\nNotes:\n  unit/hello: systemd is not PID 1 here: the unit is installed and enabled offline (systemctl --root=\(h.host)/sys); nothing is started"))
    let apply = try h.run(["apply", "--auto-approve"], env: Self.env)
    #expect(apply.status == 0, "\(apply.all)")
    #expect(
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(h.host)/sys/etc/systemd/system/multi-user.target.wants/hello.service")) == "/etc/systemd/system/hello.service")
    #expect(h.mode("\(h.host)/cron.d/reconcile-sync-notes") == "0644")
    #expect(h.read("\(h.host)/cron.d/reconcile-sync-notes")?.hasSuffix("run-job sync-notes --manifests \(h.manifests) --state \(h.state)\n") == true)
    let again = try h.run(["plan", "--detailed-exitcode"], env: Self.env)
    #expect(again.status == 0 && again.stdout.hasPrefix("No changes. The host matches the manifests.\n"), "\(again.all)")
    let status = try h.run(["status"], env: Self.env)
    #expect(status.stdout.contains("unit/hello: systemd is not PID 1 here"))
    // The secret is only in the job's 0600 env file: not in the state, history, job definition or cron line.
    #expect(h.read("\(h.state)/jobs/sync-notes/env") == "TOKEN=t0ken-secret-value\n")
    for file in ["state.json", "history.jsonl", "jobs/sync-notes/job.json"] { #expect(h.read("\(h.state)/\(file)")?.contains("t0ken-secret-value") == false, "\(file)") }
    #expect(h.mode("\(h.state)/jobs/sync-notes/env") == "0600")
    #expect(!(h.read("\(h.host)/cron.d/reconcile-sync-notes") ?? "").contains("t0ken"))
  }

  @Test func lateAndFailingJobsAreDriftInTheIssueWords() throws {
    let h = try CLIHarness(manifest: Self.hostManifest)
    defer { h.cleanup() }
    #expect(try h.run(["apply", "--auto-approve"], env: Self.env).status == 0)
    let run = try h.run(["run-job", "sync-notes"])
    #expect(run.status == 0, "\(run.all)")
    #expect(h.read("\(h.state)/jobs/sync-notes/runs.jsonl")?.contains(#""outputTail":"synced (sensitive value)\n""#) == true)
    // maxAge is 1s: poll until the last success is older than that.
    var drift = CLIHarness.Result(status: 0, stdout: "", stderr: "")
    #expect(
      eventually(within: 10) {
        drift = (try? h.run(["drift"], env: Self.env)) ?? drift
        return drift.stdout.contains("changed    job/sync-notes: last success ")
      }, "\(drift.all)")
    #expect(drift.status == 2)
    #expect(drift.stdout.range(of: #"changed    job/sync-notes: last success \d+s ago, expected every 5m\n"#, options: .regularExpression) != nil, "\(drift.stdout)")
    let status = try h.run(["status"], env: Self.env)
    #expect(status.stdout.range(of: #"job/sync-notes +\S+ +changed: last success \d+s ago, expected every 5m"#, options: .regularExpression) != nil, "\(status.stdout)")

    let first = try h.run(["run-job", "flaky"])
    #expect(first.status == 3 && first.stderr.contains("job 'flaky' exited with status 3; output tail:\nbroken\n"), "\(first.all)")
    #expect(!(try h.run(["drift"], env: Self.env)).stdout.contains("job/flaky"))
    _ = try h.run(["run-job", "flaky"])
    #expect(try h.run(["drift"], env: Self.env).stdout.contains("changed    job/flaky: failed 2 times in a row (last: exit status 3)\n"))
  }

  @Test func backupRunListAndRestoreThroughTheCLI() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try FileManager.default.createDirectory(atPath: "\(h.host)/data/notes", withIntermediateDirectories: true)
    try "note one\n".write(toFile: "\(h.host)/data/notes/1.txt", atomically: true, encoding: .utf8)
    let db = try ProcessRunnerShim.run("sqlite3 '\(h.host)/data/app.sqlite' 'CREATE TABLE s(x); INSERT INTO s VALUES (42)'")
    #expect(db == 0)
    try h.manifest(Self.hostManifest)
    #expect(try h.run(["apply", "--auto-approve"], env: Self.env).status == 0)
    var ids: [String] = []
    for _ in 0..<3 {
      let r = try h.run(["backup", "run", "data"], env: Self.env)
      #expect(r.status == 0, "\(r.all)")
      #expect(r.stdout.contains(" of backup/data: 2 files, ") && r.stdout.contains(", verified; \(h.host)/backups/data/"))
      if let id = r.stdout.split(separator: " ").dropFirst().first { ids.append(String(id)) }
    }
    let list = try h.run(["backup", "list", "data"], env: Self.env)
    #expect(list.stdout.split(separator: "\n").count == 3, "\(list.stdout)")
    #expect(list.stdout.contains(ids[1]) && list.stdout.contains(ids[2]) && !list.stdout.contains(ids[0]))
    let refused = try h.run(["backup", "restore", "data", "--to", "/"], env: Self.env)
    #expect(refused.status == 1 && refused.stderr.contains("2 files would be overwritten; stop what uses them and add --force"), "\(refused.all)")
    let restored = try h.run(["backup", "restore", "data", ids[1], "--to", "\(h.root)/restore"], env: Self.env)
    #expect(restored.status == 0 && restored.stdout == "Restored backup \(ids[1]) of backup/data into \(h.root)/restore: 2 files, checksums verified.\n", "\(restored.all)")
    #expect(h.read("\(h.root)/restore\(h.host)/data/notes/1.txt") == "note one\n")
    // Drift: the last good backup against maxAge.
    try h.manifest(Self.hostManifest.replacingOccurrences(of: #""schedule": "@daily", "keep""#, with: #""schedule": "@daily", "maxAge": "1s", "keep""#))
    #expect(try h.run(["apply", "--auto-approve"], env: Self.env).status == 0)
    _ = try h.run(["backup", "run", "data"], env: Self.env)
    var drift = CLIHarness.Result(status: 0, stdout: "", stderr: "")
    #expect(
      eventually(within: 10) {
        drift = (try? h.run(["drift"], env: Self.env)) ?? drift
        return drift.stdout.range(of: #"changed    backup/data: last good backup \d+s ago, expected every 1d\n"#, options: .regularExpression) != nil
      }, "\(drift.all)")
    let unknown = try h.run(["backup", "run", "dta"], env: Self.env)
    #expect(unknown.stderr == "error: backup/dta is not declared in the manifests (did you mean 'data'?)\n", "\(unknown.all)")
  }

  /// The one test that touches the real /etc/cron.d: cron only reads there. It runs at most once a minute.
  @Test func theRealCronDaemonRunsAManagedJobThroughTheWrapper() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let name = "crontest-" + UUID().uuidString.prefix(8).lowercased()
    let cronFile = "/etc/cron.d/reconcile-\(name)"
    defer { try? FileManager.default.removeItem(atPath: cronFile) }
    try h.manifest(
      #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "job", "name": "NAME", "schedule": "* * * * *", "command": "echo from cron > HOST/marker; echo done" } ] }"#
        .replacingOccurrences(of: "NAME", with: name))
    let apply = try h.run(["apply", "--auto-approve"])
    #expect(apply.status == 0, "\(apply.all)")
    #expect(h.mode(cronFile) == "0644")
    if try ProcessRunnerShim.run("pgrep -x cron >/dev/null") != 0 {
      // cron daemonizes and keeps inherited descriptors open, which would hold Foundation's wait: close them first.
      let start = #"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec /usr/sbin/cron </dev/null >/dev/null 2>&1"#
      #expect(try ProcessRunnerShim.run("exec bash -c '\(start)'") == 0, "could not start cron")
    }
    let runs = "\(h.state)/jobs/\(name)/runs.jsonl"
    #expect(
      eventually(within: 90) { h.read(runs)?.contains(#""outcome":"success""#) == true }, "cron did not run the job within 90 s; cron file:\n\(h.read(cronFile) ?? "(missing)")")
    #expect(h.read("\(h.host)/marker") == "from cron\n")
    #expect(h.read(runs)?.contains(#""outputTail":"done\n""#) == true)
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    #expect(!h.exists(cronFile))
  }
}

/// Runs a shell line and returns its exit status (setup steps only).
enum ProcessRunnerShim {
  static func run(_ line: String) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", line]
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
  }
}
