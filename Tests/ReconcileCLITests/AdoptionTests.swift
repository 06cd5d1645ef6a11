import Foundation
import HTTPKit
import Testing
import TestSupport

/// Adoption end to end: a project brought up by Debian's docker-compose, imported with `--adopt`, taken over by
/// `reconcile import` without a restart (same container IDs, same start times, every request through its published
/// port answered while it happens), then managed: plan shows nothing, a changed setting replaces the container with
/// one of reconcile's own, and destroy removes what compose made. A container that differs is refused with its
/// differences and nothing is recorded.
@Suite(.serialized, .enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct AdoptionTests {
  /// `docker-compose -p PROJECT ARGS…` in `directory`, on the test engine.
  static func compose(_ project: String, _ args: [String], in directory: String) -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["docker-compose", "-p", project] + args
    p.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    env["DOCKER_HOST"] = TestEngine.host
    p.environment = env
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    do { try p.run() } catch { return (127, "\(error)") }
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: out, as: UTF8.self))
  }

  static func composeFile(port: Int) -> String {
    """
    services:
      api:
        image: local/busybox:1
        command: ["sh", "-c", "mkdir -p /www && echo \\"$${GREETING}\\" > /www/index.html && exec httpd -f -p 8080 -h /www"]
        environment:
          GREETING: hello
        ports:
          - "127.0.0.1:\(port):8080"
        volumes:
          - data:/data
        init: true
        stop_grace_period: 1s
        restart: unless-stopped
        healthcheck:
          test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
          interval: 1s
          retries: 30
      worker:
        image: local/busybox:1
        command: sleep 86400
        init: true
        stop_grace_period: 1s
        depends_on:
          - api
    volumes:
      data:
    """
  }

  @Test func aRunningComposeProjectIsTakenOverWithoutARestart() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let project = "adopt" + UUID().uuidString.prefix(6).lowercased()
    let port = freePort()
    let app = h.root + "/" + project
    try FileManager.default.createDirectory(atPath: app, withIntermediateDirectories: true)
    try Self.composeFile(port: port).write(toFile: app + "/docker-compose.yml", atomically: true, encoding: .utf8)
    defer { _ = Self.compose(project, ["down", "-v", "-t", "1"], in: app) }
    let up = Self.compose(project, ["up", "-d"], in: app)
    #expect(up.0 == 0, "\(up.1)")
    let api = "\(project)_api_1", worker = "\(project)_worker_1"
    #expect(eventually(within: 30) { TestEngine.docker(["inspect", "-f", "{{.State.Health.Status}}", api]).1 == "healthy" })
    func identity(_ name: String) -> String { TestEngine.docker(["inspect", "-f", "{{.Id}} {{.State.StartedAt}} {{.RestartCount}}", name]).1 }
    let before = (identity(api), identity(worker))

    try FileManager.default.removeItem(atPath: h.manifests)
    let written = try h.run(["import", "compose", "docker-compose.yml", "--adopt", "--out", h.manifests], plain: true, in: app)
    #expect(written.status == 0, "\(written.all)")
    let command = "reconcile import container/api container/worker network/\(project)_default volume/\(project)_data --manifests \(h.manifests)"
    #expect(written.stdout.contains(command), "\(written.all)")

    // Before the import, the plan is honest about the conflict and names the way out.
    let conflicted = try h.run(["plan"])
    #expect(
      conflicted.stdout.contains("that reconcile does not manage: apply fails until it is removed or renamed, or taken over as it is with 'reconcile import container/api'"),
      "\(conflicted.all)")

    // A manifest that differs: refused, each difference named, nothing recorded.
    let manifestFile = "\(h.manifests)/\(project).json"
    let original = h.read(manifestFile)!
    try original.replacingOccurrences(of: "\"GREETING\": \"hello\"", with: "\"GREETING\": \"hi\"").write(toFile: manifestFile, atomically: true, encoding: .utf8)
    let ids = ["container/api", "container/worker", "network/\(project)_default", "volume/\(project)_data"]
    let refused = try h.run(["import"] + ids)
    #expect(refused.status == 1, "\(refused.all)")
    #expect(
      refused.stdout.contains(
        "container/api: container \(before.0.prefix(12)) (running) differs from the manifests in 1 attribute:\n  env.GREETING: 'hello' on the object, 'hi' in the manifests\n"),
      "\(refused.all)")
    #expect(refused.stdout.contains("container/worker: container \(before.1.prefix(12)) (running) matches the manifests"), "\(refused.all)")
    #expect(refused.stdout.contains("Nothing was imported: 1 of 4 differs from the manifests."), "\(refused.all)")
    #expect(!h.stateText().contains("container/api"), "nothing may be recorded: \(h.stateText())")
    try original.write(toFile: manifestFile, atomically: true, encoding: .utf8)

    // The import itself, under load through the published port: not one request may fail.
    let load = LoadGenerator(url: "http://127.0.0.1:\(port)/", threads: 2, pause: 0.01)
    let imported = try h.run(["import"] + ids)
    let plan = try h.run(["plan"])
    Thread.sleep(forTimeInterval: 1)
    load.stop()
    #expect(imported.status == 0, "\(imported.all)")
    #expect(imported.stdout.contains("container/api: container \(before.0.prefix(12)) (running) matches the manifests"), "\(imported.all)")
    #expect(imported.stdout.contains("Imported 4 resources as they are; nothing was restarted or recreated."), "\(imported.all)")
    #expect(plan.status == 0 && plan.stdout.contains("No changes"), "\(plan.all)")
    #expect((identity(api), identity(worker)) == before, "the same containers, never restarted")
    #expect(load.failures.isEmpty && load.total > 20, "\(load.total) requests, failed: \(load.failures)")
    let again = try h.run(["import", "container/api"])
    #expect(again.status == 1 && again.all.contains("container/api is already imported (it is in the state); nothing was imported"), "\(again.all)")

    // Managed now: an in-place change keeps the container (and its adoption); a replacing change makes one of ours.
    try original.replacingOccurrences(of: "\"restart\": \"unless-stopped\"", with: "\"restart\": \"always\"").write(
      toFile: manifestFile, atomically: true, encoding: .utf8)
    let updated = try h.run(["apply", "--auto-approve"])
    #expect(updated.status == 0 && updated.stdout.contains("0 added, 1 changed, 0 replaced"), "\(updated.all)")
    #expect(identity(api).hasPrefix(before.0.prefix(64)), "updated in place")
    #expect(TestEngine.docker(["inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", api]).1 == "always")
    try original.replacingOccurrences(of: "\"restart\": \"unless-stopped\"", with: "\"restart\": \"always\"")
      .replacingOccurrences(of: "\"GREETING\": \"hello\"", with: "\"GREETING\": \"hi\"").write(toFile: manifestFile, atomically: true, encoding: .utf8)
    let replacing = try h.run(["plan"])
    #expect(replacing.stdout.contains("-/+ container/api (env.GREETING changed: 'hello' -> 'hi')"), "\(replacing.all)")
    let replaced = try h.run(["apply", "--auto-approve"])
    #expect(replaced.status == 0, "\(replaced.all)")
    let now = identity(api)
    #expect(!now.hasPrefix(before.0.prefix(64)), "a new container: \(now)")
    #expect(TestEngine.docker(["inspect", "-f", "{{index .Config.Labels \"io.reconcile.resource\"}}", api]).1 == "container/api")
    #expect(eventually(within: 20) { (try? HTTPClient(timeoutSeconds: 2).send("GET", "http://127.0.0.1:\(port)/"))?.text == "hi\n" })
    let settled = try h.run(["plan"])
    #expect(settled.stdout.contains("No changes"), "\(settled.all)")

    // Destroy removes what compose made too (the adopted worker and network; the volume with --prune-volumes).
    let destroyed = try h.run(["destroy", "--auto-approve", "--prune-volumes"])
    #expect(destroyed.status == 0, "\(destroyed.all)")
    #expect(TestEngine.docker(["inspect", worker]).0 != 0 && TestEngine.docker(["inspect", api]).0 != 0)
    #expect(TestEngine.docker(["network", "inspect", "\(project)_default"]).0 != 0)
    #expect(TestEngine.docker(["volume", "inspect", "\(project)_data"]).0 != 0)
  }
}

/// Kinds found by where their object is (a file, a cron file): `reconcile import` compares what is there through the
/// kind's own observation and records it; content that differs is named, not shown.
@Suite struct FileAdoptionTests {
  @Test func anExistingCronFileIsImportedAndThenManaged() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let cron = h.root + "/cron.d/backup"
    try FileManager.default.createDirectory(atPath: h.root + "/cron.d", withIntermediateDirectories: true)
    let line = "17 3 * * * root /usr/local/bin/backup\n"
    try line.write(toFile: cron, atomically: true, encoding: .utf8)
    try h.manifest(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "file", "name": "backup-cron", "path": "\(cron)", "content": "17 4 * * * root /usr/local/bin/backup\\n", "mode": "0644" } ] }
      """)
    let refused = try h.run(["import", "file/backup-cron"])
    #expect(refused.status == 1, "\(refused.all)")
    #expect(
      refused.stdout.contains("file/backup-cron: file at path \(cron) differs from the manifests in 1 attribute:\n  content: differs (reconcile plan shows the lines)\n"),
      "\(refused.all)")
    #expect(h.read(cron) == line && !h.stateText().contains("backup-cron"))

    try h.manifest(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "file", "name": "backup-cron", "path": "\(cron)", "content": "17 3 * * * root /usr/local/bin/backup\\n", "mode": "0644" } ] }
      """)
    let imported = try h.run(["import", "file/backup-cron"])
    #expect(imported.status == 0, "\(imported.all)")
    #expect(imported.stdout.contains("file/backup-cron: file at path \(cron) matches the manifests"), "\(imported.all)")
    #expect(h.stateText().contains("file/backup-cron"))
    #expect(try h.run(["plan"]).stdout.contains("No changes"))
    let missing = try h.run(["import", "file/nope"])
    #expect(missing.status == 1 && missing.all.contains("file/nope is not in the manifests: declare it first"), "\(missing.all)")
    // Managed now: destroy removes it.
    #expect(try h.run(["destroy", "--auto-approve"]).status == 0)
    #expect(!h.exists(cron))
  }
}
