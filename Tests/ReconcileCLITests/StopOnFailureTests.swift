import Foundation
import Testing
import TestSupport

/// `policy.stopOnFailure` with `policy.parallelism: 1`: an update of three containers whose new version does not start
/// stops at the first; the other two are skipped and keep running the version they had.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine")) struct StopOnFailureTests {
  @Test func anUpdateOfSeveralContainersStopsAtTheFirstThatFails() throws {
    let h = try CLIHarness()
    let names = (1...3).map { ControllerDockerTests.unique("stop\($0)") }
    defer {
      TestEngine.docker(["rm", "-f"] + names + names.map { $0 + "-reconcile-next" })
      h.cleanup()
    }
    func manifest(_ version: Int) -> String {
      let containers = names.map { name in
        #"""
        { "kind": "container", "name": "\#(name)", "image": "local/busybox:1", "init": true, "stopTimeout": "1s", "env": { "VERSION": "\#(version)" },
          "command": ["sh", "-c", "test $VERSION = 1 || exit 3; exec sleep 600"], "labels": { "io.reconcile.test": "1" },
          "update": { "strategy": "start-first", "startupGrace": "1s" } }
        """#
      }
      return #"{ "apiVersion": "reconcile/v1", "policy": { "stopOnFailure": true, "parallelism": 1 }, "resources": [ \#(containers.joined(separator: ", ")) ] }"#
    }
    try h.manifest(manifest(1))
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    let before = names.map { TestEngine.docker(["inspect", "-f", "{{.Id}}", $0]).1 }

    try h.manifest(manifest(2))
    let r = try h.run(["apply", "--auto-approve"])
    #expect(r.status != 0, "\(r.all)")
    let failed = names.filter { r.stdout.contains("container/\($0): failed") }
    #expect(failed.count == 1, "one container tried and failed: \(r.stdout)")
    let skipped = r.stdout.components(separatedBy: "failed and policy.stopOnFailure starts no step after a failure").count - 1
    #expect(skipped == 2, "\(r.stdout)")
    // All three still run version 1, the same containers as before.
    #expect(names.map { TestEngine.docker(["inspect", "-f", "{{.Id}}", $0]).1 } == before)
    #expect(names.allSatisfy { TestEngine.state($0) == "running" })
  }
}
