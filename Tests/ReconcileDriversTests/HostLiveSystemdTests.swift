@testable import DockerEngine
import Foundation
import ReconcileCore
import ReconcileDrivers
import Testing
import TestSupport

/// A real systemd as PID 1 in a container on the test Docker Engine (image from `scripts/systemd-image.sh`,
/// cached between runs), reached through the command prefix `docker exec NAME`.
@Suite(.serialized) struct HostLiveSystemdTests {
  static let image = "local/systemd-bookworm:1"

  static var dockerHost: String {
    ProcessInfo.processInfo.environment["DOCKER_HOST"] ?? "unix:///tmp/reconcile-docker/docker.sock"
  }

  static func docker(_ args: [String]) throws -> ProcessResult {
    try ProcessRunner.run(["docker", "--host", dockerHost] + args)
  }

  /// A running systemd container; removed by `stop()`.
  struct Box {
    let name: String
    var prefix: [String] { ["docker", "--host", HostLiveSystemdTests.dockerHost, "exec", name] }

    static func start() throws -> Box {
      if try docker(["image", "inspect", image]).status != 0 {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/scripts/systemd-image.sh"
        let built = try ProcessRunner.run(["bash", script], environment: ProcessInfo.processInfo.environment.merging(["DOCKER_HOST": dockerHost]) { _, b in b })
        try #require(built.status == 0, "scripts/systemd-image.sh failed:\n\(built.output)")
      }
      let name = "reconcile-host-systemd-" + UUID().uuidString.prefix(8).lowercased()
      let run = try docker([
        "run", "-d", "--name", name, "--label", "io.reconcile.test=1", "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined",
        "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock", "-e", "container=docker", image, "/lib/systemd/systemd",
      ])
      try #require(run.status == 0, "docker run failed:\n\(run.output)")
      let box = Box(name: name)
      var last = ""
      let up = eventually(within: 60) {
        last = (try? docker(["exec", name, "systemctl", "is-system-running"]).output) ?? ""
        return last.hasPrefix("running") || last.hasPrefix("degraded")
      }
      if !up { box.stop() }
      try #require(up, "systemd in \(name) did not come up within 60 s: \(last)")
      return box
    }

    func show(_ unit: String, _ property: String) throws -> String {
      try docker(["exec", name, "systemctl", "show", unit, "-p", property, "--value"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func stop() { _ = try? docker(["rm", "-f", name]) }
  }

  static func unit(_ box: Box, env: String, extra: String = "") -> String {
    let prefix = box.prefix.map { "\"\($0)\"" }.joined(separator: ", ")
    return
      #"{ "kind": "unit", "name": "web", "commandPrefix": [\#(prefix)], "content": "[Unit]\nDescription=web\n\n[Service]\nEnvironment=V=\#(env)\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n"\#(extra) }"#
  }

  @Test func liveUnitIsStartedRestartedOnChangeRestartedWhenDeadAndRemoved() async throws {
    let sandbox = try HostSandbox()
    defer { sandbox.cleanup() }
    let box = try Box.start()
    defer { box.stop() }
    let m = try sandbox.manifest(Self.unit(box, env: "1"))
    let first = try await sandbox.plan(m, state: StateSnapshot(lineage: "t"))
    #expect(first.steps.map(\.action) == [.create])
    let state = try await sandbox.apply(m)
    #expect(try box.show("web.service", "ActiveState") == "active")
    #expect(try box.show("web.service", "UnitFileState") == "enabled")
    let pid1 = try box.show("web.service", "MainPID")
    let idle = try await sandbox.plan(m, state: state)
    #expect(idle.isEmpty, "\(PlanTextRenderer().render(idle))")

    // A content change restarts, and the plan says so.
    let changed = try sandbox.manifest(Self.unit(box, env: "2"))
    let p = try await sandbox.plan(changed, state: state)
    #expect(p.steps.first?.reasons == ["content changed", "unit files changed; will daemon-reload and restart"])
    let s2 = try await sandbox.apply(changed, state: state)
    #expect(try box.show("web.service", "Environment") == "V=2")
    #expect(try box.show("web.service", "MainPID") != pid1)
    #expect(try await sandbox.plan(changed, state: s2).isEmpty)

    // Stopped behind reconcile's back: observed as inactive, started again.
    _ = try Self.docker(["exec", box.name, "systemctl", "stop", "web.service"])
    let dead = try await sandbox.plan(changed, state: s2)
    #expect(dead.steps.first?.reasons == ["unit is inactive (dead); will start"])
    try await sandbox.apply(changed, state: s2)
    #expect(try box.show("web.service", "ActiveState") == "active")

    // A bad unit is refused by systemd-analyze verify inside the target, and nothing is installed.
    let bad = try sandbox.manifest(Self.unit(box, env: "3").replacingOccurrences(of: "ExecStart=", with: "ExecStrat="))
    let refused = try await sandbox.plan(bad, state: s2)
    let error = await #expect(throws: OperationError.self) { try await sandbox.drivers.perform(refused.steps[0]) }
    #expect(error?.description.contains("Unknown key 'ExecStrat'") == true, "\(error?.description ?? "")")
    #expect(try box.show("web.service", "Environment") == "V=2")

    // Prune stops, disables and removes it.
    let prune = try await sandbox.plan(try sandbox.manifest(""), state: s2)
    for s in prune.steps { try await sandbox.drivers.perform(s) }
    #expect(try Self.docker(["exec", box.name, "test", "-e", "/etc/systemd/system/web.service"]).status == 1)
    #expect(try box.show("web.service", "ActiveState") == "inactive")
  }

  @Test func reloadAndStopFollowTheManifest() async throws {
    let sandbox = try HostSandbox()
    defer { sandbox.cleanup() }
    let box = try Box.start()
    defer { box.stop() }
    let reload = #", "onChange": "reload""#
    let m = try sandbox.manifest(
      Self.unit(box, env: "1", extra: reload).replacingOccurrences(of: "ExecStart=/bin/sleep infinity", with: "ExecStart=/bin/sleep infinity\\nExecReload=/bin/true"))
    let state = try await sandbox.apply(m)
    let pid = try box.show("web.service", "MainPID")
    let changed = try sandbox.manifest(
      Self.unit(box, env: "2", extra: reload).replacingOccurrences(of: "ExecStart=/bin/sleep infinity", with: "ExecStart=/bin/sleep infinity\\nExecReload=/bin/true"))
    let p = try await sandbox.plan(changed, state: state)
    #expect(p.steps.first?.reasons == ["content changed", "unit files changed; will daemon-reload and reload"])
    let s2 = try await sandbox.apply(changed, state: state)
    #expect(try box.show("web.service", "MainPID") == pid)
    let stopped = try sandbox.manifest(
      Self.unit(box, env: "2", extra: reload + #", "running": false"#).replacingOccurrences(
        of: "ExecStart=/bin/sleep infinity", with: "ExecStart=/bin/sleep infinity\\nExecReload=/bin/true"))
    #expect(try await sandbox.plan(stopped, state: s2).steps.first?.reasons == ["unit is active (running); will stop"])
    let s3 = try await sandbox.apply(stopped, state: s2)
    #expect(try box.show("web.service", "ActiveState") == "inactive")
    #expect(try await sandbox.plan(stopped, state: s3).isEmpty)
  }

  @Test func systemdRunnerJobStartsAPersistentTimerInTheTarget() async throws {
    let sandbox = try HostSandbox()
    defer { sandbox.cleanup() }
    let box = try Box.start()
    defer { box.stop() }
    // ExecStart must exist inside the target for verify: stand /bin/true in for the reconcile binary.
    let paths = JobPaths(binary: "/bin/true", manifests: sandbox.paths.manifests, state: sandbox.paths.state)
    let drivers = DriverSet([JobDriver(paths: paths)])
    let prefix = box.prefix.map { "\"\($0)\"" }.joined(separator: ", ")
    let m = try sandbox.manifest(#"{ "kind": "job", "name": "tick", "schedule": "*/5 * * * *", "command": "true", "runner": "systemd", "commandPrefix": [\#(prefix)] }"#)
    let harness = ApplyHarness(host: drivers, form: HostSandbox.form)
    #expect(ApplyHarness.failures(try await harness.apply(m)).isEmpty)
    #expect(try box.show("reconcile-tick.timer", "ActiveState") == "active")
    #expect(try box.show("reconcile-tick.timer", "UnitFileState") == "enabled")
    #expect(try await harness.plan(m).isEmpty)
    // Stopped behind reconcile's back: the timer is drift and apply starts it again.
    _ = try Self.docker(["exec", box.name, "systemctl", "stop", "reconcile-tick.timer"])
    let again = try await harness.plan(m)
    #expect(again.steps.first?.reasons == ["the timer reconcile-tick.timer is inactive; will start it"])
    #expect(ApplyHarness.failures(try await harness.apply(m)).isEmpty)
    #expect(try box.show("reconcile-tick.timer", "ActiveState") == "active")
  }

  @Test func anInPlaceRestoreStopsAndStartsTheDependentContainer() async throws {
    let sandbox = try HostSandbox()
    defer { sandbox.cleanup() }
    if try Self.docker(["image", "inspect", Self.image]).status != 0 { try Box.start().stop() }
    let name = "reconcile-host-restore-" + UUID().uuidString.prefix(8).lowercased()
    let run = try Self.docker(["run", "-d", "--name", name, "--label", "io.reconcile.test=1", Self.image, "sleep", "infinity"])
    try #require(run.status == 0, "\(run.output)")
    defer { _ = try? Self.docker(["rm", "-f", name]) }
    func startedAt() throws -> String { try Self.docker(["inspect", "-f", "{{.State.StartedAt}} {{.State.Running}}", name]).output }
    try FileManager.default.createDirectory(atPath: "\(sandbox.root)/live", withIntermediateDirectories: true)
    try "v1\n".write(toFile: "\(sandbox.root)/live/data.txt", atomically: true, encoding: .utf8)
    let m = try sandbox.manifest(
      #"{ "kind": "backup", "name": "app", "sources": [ { "path": "ROOT/live/data.txt" } ], "destination": "ROOT/backups", "schedule": "@daily", "container": "\#(name)" }"#)
    let spec = try #require(m.resources[0].spec as? BackupSpec)
    let made = try BackupRunner(spec: spec).run()
    #expect(made.manifest.container == name)
    try "v2\n".write(toFile: "\(sandbox.root)/live/data.txt", atomically: true, encoding: .utf8)
    let restorer = BackupRestorer(catalog: BackupCatalog(directory: spec.archiveDirectory), docker: ["docker", "--host", Self.dockerHost])
    let before = try startedAt()
    _ = try restorer.restore(nil, to: "\(sandbox.root)/copy", force: false)
    #expect(try startedAt() == before, "a restore elsewhere must leave the container alone")
    _ = try restorer.restore(nil, to: "/", force: true)
    #expect(try String(contentsOfFile: "\(sandbox.root)/live/data.txt", encoding: .utf8) == "v1\n")
    let after = try startedAt()
    #expect(after != before && after.hasSuffix(" true\n"), "before: \(before) after: \(after)")
  }

  @Test func aDockerVolumeIsBackedUpThroughAHelperContainerAndRestoredIntoADirectory() async throws {
    let sandbox = try HostSandbox()
    defer { sandbox.cleanup() }
    if try Self.docker(["image", "inspect", Self.image]).status != 0 { try Box.start().stop() }
    let volume = "reconcile-host-vol-" + UUID().uuidString.prefix(8).lowercased()
    #expect(try Self.docker(["volume", "create", "--label", "io.reconcile.test=1", volume]).status == 0)
    defer { _ = try? Self.docker(["volume", "rm", "-f", volume]) }
    let fill = try Self.docker([
      "run", "--rm", "--label", "io.reconcile.test=1", "-v", "\(volume):/v", Self.image, "sh", "-c",
      "echo hello > /v/a.txt && mkdir /v/sub && printf 'x%.0s' $(seq 1 5000) > /v/sub/b.bin",
    ])
    try #require(fill.status == 0, "\(fill.output)")
    let m = try sandbox.manifest(
      #"{ "kind": "backup", "name": "vol", "sources": [ { "volume": "\#(volume)", "helperImage": "\#(Self.image)" } ], "destination": "ROOT/backups", "schedule": "@daily" }"#)
    let spec = try #require(m.resources[0].spec as? BackupSpec)
    let made = try BackupRunner(spec: spec, docker: ["docker", "--host", Self.dockerHost]).run()
    #expect(made.manifest.verified)
    #expect(made.manifest.files.map(\.path) == ["docker-volumes/\(volume)/a.txt", "docker-volumes/\(volume)/sub/b.bin"])
    #expect(made.manifest.files.map(\.size) == [6, 5000])
    let helpers = try Self.docker(["ps", "-a", "--filter", "label=io.reconcile.backup-helper=1", "--filter", "volume=\(volume)", "-q"]).output
    #expect(helpers.isEmpty, "the helper container was left behind")
    let restorer = BackupRestorer(catalog: BackupCatalog(directory: spec.archiveDirectory))
    _ = try restorer.restore(nil, to: "\(sandbox.root)/out", force: false)
    #expect(sandbox.read("\(sandbox.root)/out/docker-volumes/\(volume)/a.txt") == "hello\n")
    #expect(sandbox.read("\(sandbox.root)/out/docker-volumes/\(volume)/sub/b.bin") == String(repeating: "x", count: 5000))
    // In place, a volume's files go back into the volume (through its mountpoint on this host).
    let mount = try Self.docker(["volume", "inspect", "-f", "{{.Mountpoint}}", volume]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    try "changed\n".write(toFile: "\(mount)/a.txt", atomically: true, encoding: .utf8)
    let inPlace = BackupRestorer(catalog: BackupCatalog(directory: spec.archiveDirectory), docker: ["docker", "--host", Self.dockerHost])
    #expect(throws: OperationError.self) { try inPlace.restore(nil, to: "/", force: false) }
    _ = try inPlace.restore(nil, to: "/", force: true)
    #expect(sandbox.read("\(mount)/a.txt") == "hello\n")
    let missing = try sandbox.manifest(
      #"{ "kind": "backup", "name": "gone", "sources": [ { "volume": "reconcile-host-no-such-volume", "helperImage": "\#(Self.image)" } ], "destination": "ROOT/backups", "schedule": "@daily" }"#
    )
    let error = #expect(throws: OperationError.self) {
      try BackupRunner(spec: try #require(missing.resources[0].spec as? BackupSpec), docker: ["docker", "--host", Self.dockerHost]).run()
    }
    #expect(error?.description.contains("could not read the Docker volume 'reconcile-host-no-such-volume': `docker --host") == true, "\(error?.description ?? "")")
  }

  @Test func aSQLiteDatabaseInsideAVolumeIsCopiedConsistentlyAndRestoredInPlaceAroundItsContainer() async throws {
    let sandbox = try HostSandbox()
    defer { sandbox.cleanup() }
    if try Self.docker(["image", "inspect", Self.image]).status != 0 { try Box.start().stop() }
    let volume = "reconcile-host-dbvol-" + UUID().uuidString.prefix(8).lowercased()
    #expect(try Self.docker(["volume", "create", "--label", "io.reconcile.test=1", volume]).status == 0)
    defer { _ = try? Self.docker(["volume", "rm", "-f", volume]) }
    let name = "reconcile-host-dbapp-" + UUID().uuidString.prefix(8).lowercased()
    let run = try Self.docker(["run", "-d", "--name", name, "--label", "io.reconcile.test=1", "-v", "\(volume):/data", Self.image, "sleep", "infinity"])
    try #require(run.status == 0, "\(run.output)")
    defer { _ = try? Self.docker(["rm", "-f", name]) }
    let mount = try Self.docker(["volume", "inspect", "-f", "{{.Mountpoint}}", volume]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    let db = "\(mount)/sessions.sqlite"
    #expect(try ProcessRunner.run(["sqlite3", db, "PRAGMA journal_mode=wal; CREATE TABLE s(x); INSERT INTO s VALUES ('before')"]).status == 0)
    let m = try sandbox.manifest(
      #"{ "kind": "backup", "name": "sessions", "sources": [ { "sqlite": "/sessions.sqlite", "volume": "\#(volume)" } ], "destination": "ROOT/backups", "schedule": "@daily", "container": "\#(name)" }"#
    )
    let spec = try #require(m.resources[0].spec as? BackupSpec)
    #expect(spec.attributes.first { $0.name == "sources" }?.value == "sqlite:\(volume):/sessions.sqlite")
    let docker = ["docker", "--host", Self.dockerHost]
    let made = try BackupRunner(spec: spec, docker: docker).run()
    let file = try #require(made.manifest.files.first)
    #expect(file.path == "docker-volumes/\(volume)/sessions.sqlite" && file.sqlite)
    #expect(try ProcessRunner.run(["sqlite3", db, "UPDATE s SET x = 'after'"]).status == 0)
    let before = try Self.docker(["inspect", "-f", "{{.State.StartedAt}}", name]).output
    _ = try BackupRestorer(catalog: BackupCatalog(directory: spec.archiveDirectory), docker: docker).restore(nil, to: "/", force: true)
    #expect(try ProcessRunner.run(["sqlite3", db, "SELECT x FROM s"]).output == "before\n")
    #expect(try HostSandboxChecksum.sha256(db) == file.sha256)
    let after = try Self.docker(["inspect", "-f", "{{.State.StartedAt}} {{.State.Running}}", name]).output
    #expect(!after.hasPrefix(before.trimmingCharacters(in: .whitespacesAndNewlines)) && after.hasSuffix(" true\n"), "\(before) -> \(after)")
  }
}

enum HostSandboxChecksum {
  static func sha256(_ path: String) throws -> String? {
    try ProcessRunner.run(["sha256sum", path]).output.split(separator: " ").first.map(String.init)
  }
}
