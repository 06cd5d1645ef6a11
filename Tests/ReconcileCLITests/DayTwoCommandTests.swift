import Foundation
import Testing
import TestSupport

/// `reconcile logs` and `reconcile restart` against the real Engine and real job runs: what the manifests declare and
/// what carries their labels, nothing else.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct DayTwoCommandTests {
  @Test func logsAndRestartOfADeclaredContainer() throws {
    let h = try CLIHarness()
    let name = ControllerDockerTests.unique("logs")
    defer {
      TestEngine.docker(["rm", "-f", name, name + "-2", name + "-other"])
      h.cleanup()
    }
    try h.manifest(
      #"""
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "container", "name": "\#(name)", "image": "local/busybox:1", "replicas": 2, "stopTimeout": "1s", "labels": { "io.reconcile.test": "1" },
          "command": ["/bin/sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done; echo oops >&2; exec sleep 3600"] },
        { "kind": "job", "name": "hello", "schedule": "@daily", "command": "echo hello from the job", "cronDirectory": "HOST/cron.d" } ] }
      """#)
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)

    let lines = (1...5).map { "line \($0)\n" }.joined()
    let logs = try h.run(["logs", "container/\(name)"])
    #expect(logs.status == 0, "\(logs.all)")
    #expect(logs.stdout == "==> \(name) <==\n\(lines)==> \(name)-2 <==\n\(lines)", "\(logs.stdout)")
    #expect(logs.stderr == "oops\noops\n", "stderr to stderr: \(logs.stderr)")
    let last = try h.run(["logs", "container/\(name)", "--tail", "1"]).stdout
    #expect(last.components(separatedBy: "\n").filter { $0.hasPrefix("line ") }.count <= 2, "\(last)")

    let started = TestEngine.docker(["inspect", "-f", "{{.State.StartedAt}}", name]).1
    let restarted = try h.run(["restart", "container/\(name)"])
    #expect(restarted.status == 0 && restarted.stdout == "\(name): restarted\n\(name)-2: restarted\n", "\(restarted.all)")
    #expect(TestEngine.docker(["inspect", "-f", "{{.State.StartedAt}}", name]).1 != started)
    #expect(try h.run(["plan"]).stdout.contains("No changes."))

    // A job's runs with their output.
    #expect(try h.run(["run-job", "hello"]).status == 0)
    let runs = try h.run(["logs", "job/hello"])
    #expect(runs.stdout.contains(" success in ") && runs.stdout.contains("    hello from the job"), "\(runs.stdout)")
    // Only what ran in the window.
    Thread.sleep(forTimeInterval: 2)
    #expect(try h.run(["logs", "job/hello", "--since", "1s"]).stdout == "", "the run was 2 s ago")
    #expect(try h.run(["logs", "job/hello", "--since", "1h"]).stdout.contains(" success in "))
    #expect(try h.run(["logs", "container/\(name)", "--since", "1h"]).stdout.contains("line 1"))

    // Only what the manifests declare, and only objects that carry its labels.
    #expect(try h.run(["logs", "container/\(name)-other"]).stderr.contains("container/\(name)-other is not declared in the manifests"))
    TestEngine.docker(["rm", "-f", name + "-2"])
    TestEngine.docker(["run", "-d", "--name", name + "-2", "--label", "io.reconcile.test=1", "local/busybox:1", "sleep", "60"])
    let foreign = try h.run(["restart", "container/\(name)"])
    #expect(foreign.status != 0 && foreign.stderr.contains("has no container '\(name)-2' of its own"), "\(foreign.all)")
  }

  /// A site: its server's access and error logs; `restart` reloads the server (new workers, the same master).
  @Test func logsAndRestartOfASite() throws {
    let h = try CLIHarness()
    let http = freePort()
    defer {
      ProxyTest.stopNginx(h.host + "/nginx")
      h.cleanup()
    }
    try h.manifest(
      #"""
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "directory", "name": "www", "path": "HOST/www" },
        { "kind": "file", "name": "index", "path": "HOST/www/index.html", "content": "up\n", "dependsOn": ["directory/www"] },
        { "kind": "site", "name": "plain", "prefix": "HOST/nginx", "serverNames": ["web.test"], "listen": "127.0.0.1:\#(http)", "root": "HOST/www" } ] }
      """#)
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    _ = ProxyTest.curl("http://127.0.0.1:\(http)/index.html")
    let logs = try h.run(["logs", "site/plain", "--tail", "5"])
    #expect(logs.status == 0 && logs.stdout.contains("==> \(h.host)/nginx/logs/access.log <==") && logs.stdout.contains("\"GET /index.html HTTP/1.1\" 200"), "\(logs.all)")
    #expect(logs.stdout.contains("==> \(h.host)/nginx/logs/error.log <=="))
    let master = (h.read(h.host + "/nginx/run/nginx.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    let reload = try h.run(["restart", "site/plain"])
    #expect(reload.status == 0 && reload.stdout == "nginx at \(h.host)/nginx: reloaded\n", "\(reload.all)")
    #expect((h.read(h.host + "/nginx/run/nginx.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines) == master, "a reload, not a restart")
    #expect(eventually(within: 10) { (h.read(h.host + "/nginx/logs/error.log") ?? "").contains("reconfiguring") }, "nginx logged the reload")
    #expect(ProxyTest.curl("http://127.0.0.1:\(http)/index.html").text.hasSuffix("up\n"))
    #expect(try h.run(["restart", "directory/www"]).stderr.contains("restart knows containers, sites (a reload of their server) and units"))
  }
}
