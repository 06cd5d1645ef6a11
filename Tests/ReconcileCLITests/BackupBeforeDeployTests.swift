import Foundation
import Testing
import TestSupport

/// `backupBefore` against the real Engine: replacing a container first takes its backup (here the output of a command
/// run in the old container, `docker exec`), verified and pinned; the plan says so; a backup that fails leaves the
/// old container running and untouched. The backup depends on its container, as the bundled one does: no cycle.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct BackupBeforeDeployTests {
  static func manifest(_ name: String, version: Int, command: String = "cat") -> String {
    """
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "backup", "name": "\(name)", "destination": "HOST/backups", "schedule": "@daily", "cronDirectory": "HOST/cron.d",
        "sources": [ { "exec": { "container": "\(name)", "command": ["\(command)", "/tmp/version"], "file": "version.txt" } } ],
        "dependsOn": ["container/\(name)"] },
      { "kind": "container", "name": "\(name)", "image": "local/busybox:1", "init": true, "stopTimeout": "1s",
        "command": ["/bin/sh", "-c", "echo $VERSION > /tmp/version; exec sleep 600"], "env": { "VERSION": "\(version)" },
        "labels": { "io.reconcile.test": "1" }, "update": { "startupGrace": "500ms" }, "backupBefore": ["backup/\(name)"] } ] }
    """
  }

  @Test func replacingAContainerTakesItsBackupFirstAndPinsIt() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let name = ControllerDockerTests.unique("bb")
    defer { TestEngine.docker(["rm", "-f", name]) }
    try h.manifest(Self.manifest(name, version: 1))
    var r = try h.run(["apply", "--auto-approve"])
    #expect(r.status == 0, "\(r.all)")
    #expect(try h.run(["backup", "list", name]).stdout.contains("No backups"), "the first create has nothing to back up")

    try h.manifest(Self.manifest(name, version: 2))
    let plan = try h.run(["plan"])
    #expect(plan.stdout.contains("-/+ container/\(name) (env.VERSION changed: '1' -> '2'; backup/\(name) taken first and pinned)"), "\(plan.stdout)")
    r = try h.run(["apply", "--auto-approve"])
    #expect(r.status == 0, "\(r.all)")
    let list = try h.run(["backup", "list", name]).stdout
    #expect(list.contains("before replacing container/\(name)"), "\(list)")
    let restored = try h.run(["backup", "restore", name, "--to", h.root + "/restored"])
    #expect(restored.status == 0, "\(restored.all)")
    #expect(try String(contentsOfFile: h.root + "/restored/exec/version.txt", encoding: .utf8) == "1\n", "the backup holds what the old container had")

    // The backup fails (its command does not exist in the container): the step fails, the old container keeps running.
    try h.manifest(Self.manifest(name, version: 3, command: "no-such-command"))
    r = try h.run(["apply", "--auto-approve"])
    #expect(r.status == 1 && r.stderr.contains("take backup/\(name) before replacing container/\(name)"), "\(r.all)")
    #expect(TestEngine.docker(["exec", name, "cat", "/tmp/version"]).1 == "2")
  }
}
