import Foundation
import ReconcileCore
@testable import ReconcileDrivers
import Testing

/// Jobs against the real filesystem, `systemd-analyze` and the real wrapper (cron itself: see the CLI tests).
@Suite struct HostJobTests {
  @Test func cronJobIsInstalledAsCronRequiresAndIsIdempotent() async throws {
    let box = try HostSandbox()
    defer { box.cleanup() }
    let m = try box.manifest(
      #"{ "kind": "job", "name": "sync.notes", "schedule": "*/5 * * * *", "command": "echo run", "cronDirectory": "ROOT/cron.d", "environment": { "TOKEN": "${secret.TOKEN}", "MODE": "fast" } }"#,
      secrets: ["TOKEN": "hunter2-secret"])
    let state = try await box.apply(m)
    let cron = "\(box.root)/cron.d/reconcile-sync_notes"
    let text = try #require(box.read(cron))
    #expect(
      text == """
        # Managed by reconcile (job/sync.notes); changes here are overwritten by the next apply.
        SHELL=/bin/sh
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        */5 * * * * root /usr/local/bin/reconcile run-job sync.notes --manifests \(box.root)/manifests --state \(box.root)/state

        """)
    #expect(box.mode(cron) == 0o644)
    #expect(!text.contains("hunter2"))
    #expect(box.read(box.paths.environment(of: "sync.notes")) == "MODE=fast\nTOKEN=hunter2-secret\n")
    #expect(box.mode(box.paths.environment(of: "sync.notes")) == 0o600)
    #expect(!(box.read(box.paths.definition(of: "sync.notes")) ?? "").contains("hunter2"))
    #expect(try await box.plan(m, state: state).isEmpty)

    // A hand edit of the cron file is drift the next apply repairs.
    try "* * * * * root rm -rf /\n".write(toFile: cron, atomically: true, encoding: .utf8)
    let p = try await box.plan(m, state: state)
    #expect(p.steps.first?.reasons == ["the cron file '\(cron)' differs from what reconcile installs"])
    try await box.apply(m, state: state)
    #expect(box.read(cron) == text)

    // Prune removes the cron file and the env file, and keeps the run records.
    try RunRecords(path: box.paths.runs(of: "sync.notes")).append(RunRecord(start: Date(), end: Date(), status: 0, outcome: .success, outputTail: ""))
    let prune = try await box.plan(try box.manifest(""), state: state)
    for s in prune.steps { try await box.drivers.perform(s) }
    #expect(!box.exists(cron) && !box.exists(box.paths.environment(of: "sync.notes")) && !box.exists(box.paths.definition(of: "sync.notes")))
    #expect(box.exists(box.paths.runs(of: "sync.notes")))
  }

  @Test func systemdRunnerWritesAVerifiedServiceAndPersistentTimer() async throws {
    let box = try HostSandbox()
    defer { box.cleanup() }
    // The unit's ExecStart must exist for systemd-analyze verify: point the job at a real binary.
    let paths = JobPaths(binary: "/bin/true", manifests: box.paths.manifests, state: box.paths.state)
    let drivers = DriverSet([JobDriver(paths: paths)])
    let m = try box.manifest(#"{ "kind": "job", "name": "nightly", "schedule": "30 2 * * 1-5", "command": "echo hi", "runner": "systemd", "root": "ROOT/sys" }"#)
    let step = Planner(registry: .builtIn, form: HostSandbox.form).plan(m, observed: ObservedState(), state: StateSnapshot(lineage: "t"), now: Date()).steps[0]
    try await drivers.perform(step)
    let dir = "\(box.root)/sys/etc/systemd/system"
    #expect(
      box.read("\(dir)/reconcile-nightly.timer") == """
        # Managed by reconcile (job/nightly).
        [Unit]
        Description=Schedule of reconcile job/nightly

        [Timer]
        OnCalendar=Mon,Tue,Wed,Thu,Fri *-*-* 02:30:00
        Persistent=true

        [Install]
        WantedBy=timers.target

        """)
    #expect(box.read("\(dir)/reconcile-nightly.service")?.contains("ExecStart=\"/bin/true\" \"run-job\" \"nightly\" \"--manifests\"") == true)
    #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/timers.target.wants/reconcile-nightly.timer")) != nil)
    let observed = try await drivers.observe(m.resources.map { ObserveTarget(id: $0.id, locator: $0.spec.locator, spec: $0.spec) })
    #expect(observed[ResourceID(kind: "job", name: "nightly")].facts[.artifact] == nil)
  }

  @Test func theWrapperRecordsRunsRedactsSecretsAndTimesOut() async throws {
    let box = try HostSandbox()
    defer { box.cleanup() }
    let m = try box.manifest(
      #"""
      { "kind": "job", "name": "ok", "schedule": "@hourly", "command": "echo token is $TOKEN; pwd", "workingDirectory": "/tmp", "cronDirectory": "ROOT/cron.d", "environment": { "TOKEN": "${secret.TOKEN}" } },
      { "kind": "job", "name": "bad", "schedule": "@hourly", "command": "echo failing >&2; exit 7", "cronDirectory": "ROOT/cron.d" },
      { "kind": "job", "name": "slow", "schedule": "@hourly", "command": "sleep 30", "timeout": "1s", "cronDirectory": "ROOT/cron.d" }
      """#, secrets: ["TOKEN": "hunter2-secret"])
    try await box.apply(m)
    let runner = JobRunner(paths: box.paths)
    let (ok, okStatus) = try runner.run("ok")
    #expect(okStatus == 0 && ok.outcome == .success)
    #expect(ok.outputTail == "token is (sensitive value)\n/tmp\n")
    let (bad, badStatus) = try runner.run("bad")
    #expect(badStatus == 7 && bad.outcome == .failure && bad.outputTail == "failing\n")
    let started = Date()
    let (slow, _) = try runner.run("slow")
    #expect(slow.outcome == .timeout && Date().timeIntervalSince(started) < 15)
    let records = RunRecords(path: box.paths.runs(of: "bad"))
    _ = try runner.run("bad")
    _ = try runner.run("bad")
    #expect(records.facts()[.failures] == "3" && records.facts()[.lastStatus] == "exit status 7")
    #expect(!(box.read(box.paths.runs(of: "ok")) ?? "").contains("hunter2"))
    #expect(throws: OperationError.self) { try runner.run("missing") }
  }

  @Test func noOverlapSkipsARunWhileThePreviousHoldsTheLock() async throws {
    let box = try HostSandbox()
    defer { box.cleanup() }
    let m = try box.manifest(#"{ "kind": "job", "name": "once", "schedule": "@hourly", "command": "echo ran", "cronDirectory": "ROOT/cron.d" }"#)
    try await box.apply(m)
    // O_CLOEXEC: a process another test spawns meanwhile must not inherit the descriptor, and the lock with it.
    let fd = open(box.paths.lock(of: "once"), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
    let (skipped, status) = try JobRunner(paths: box.paths).run("once")
    #expect(skipped.outcome == .skipped && status == 0)
    close(fd)
    let (ran, _) = try JobRunner(paths: box.paths).run("once")
    #expect(ran.outcome == .success && ran.outputTail == "ran\n")
    #expect(RunRecords(path: box.paths.runs(of: "once")).load().map(\.outcome) == [.skipped, .success])
  }
}
