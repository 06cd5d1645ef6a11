import Foundation
import Testing
import TestSupport

/// kill -9 of `reconcile apply` at points spread over a start-first replacement, against the real Engine: the next
/// apply converges, and there is exactly one container for the resource, never a leftover copy or a duplicate.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct KilledApplyTests {
  static func manifest(_ name: String, version: Int) -> String {
    """
    { "apiVersion": "reconcile/v1", "resources": [ { "kind": "container", "name": "\(name)", "image": "local/busybox:1", "init": true,
      "stopTimeout": "1s", "command": ["/bin/sh", "-c", "echo $VERSION > /tmp/version; exec sleep 600"], "env": { "VERSION": "\(version)" },
      "labels": { "io.reconcile.test": "1" },
      "healthcheck": { "command": "test -f /tmp/version", "interval": "200ms", "timeout": "5s", "retries": 2 },
      "update": { "strategy": "start-first", "healthyWithin": "20s" } } ] }
    """
  }

  @Test(arguments: [20, 150, 300, 450, 700, 1000])
  func aKillDuringAStartFirstReplacementConverges(afterMilliseconds delay: Int) throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let name = ControllerDockerTests.unique("kill")
    defer { TestEngine.docker(["rm", "-f", name, name + "-reconcile-next"]) }
    try h.manifest(Self.manifest(name, version: 1))
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    try h.manifest(Self.manifest(name, version: 2))
    let running = h.start(["apply", "--auto-approve"])
    usleep(useconds_t(delay * 1000))
    kill(running.process.processIdentifier, SIGKILL)
    running.process.waitUntilExit()

    let again = try h.run(["apply", "--auto-approve"])
    #expect(again.status == 0, "after a kill at \(delay) ms:\n\(again.all)")
    #expect(try h.run(["plan"]).stdout.contains("No changes."), "after a kill at \(delay) ms")
    let ours = TestEngine.docker(["ps", "-a", "--filter", "label=io.reconcile.resource=container/\(name)", "--format", "{{.Names}} {{.State}}"]).1
    #expect(ours == "\(name) running", "after a kill at \(delay) ms the engine holds: \(ours)")
    #expect(TestEngine.docker(["exec", name, "cat", "/tmp/version"]).1 == "2")
  }
}
