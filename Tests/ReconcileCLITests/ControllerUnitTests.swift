import Foundation
import Testing
import TestSupport

/// The shipped `manifests/host/controller.json` installs the controller as a systemd unit, live, in a container whose
/// PID 1 is a real systemd (`scripts/systemd-image.sh`): applied by reconcile (the unit kind through `docker exec`),
/// the controller runs and reconciles its manifests; killed, systemd brings it back and it goes on healing.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct ControllerUnitTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

  @Test func theShippedControllerUnitKeepsTheControllerRunning() throws {
    let h = try CLIHarness()
    let box = "reconcile-ctl-systemd-" + UUID().uuidString.prefix(8).lowercased()
    defer {
      TestEngine.docker(["rm", "-f", box])
      h.cleanup()
    }
    if TestEngine.docker(["image", "inspect", "local/systemd-bookworm:1"]).0 != 0 {
      let built = ProxyTest.run(["bash", Self.repository + "/scripts/systemd-image.sh"])
      try #require(built.status == 0, "\(built.text)")
    }
    // The binary, its Swift runtime and its Debian libraries are the host's, at the same paths; the sandbox too.
    let binDir = try #require(
      realpath(CLIHarness.binary, nil).map { p in
        defer { free(p) }; return String(cString: p)
      })
    let started = TestEngine.docker([
      "run", "-d", "--name", box, "--label", "io.reconcile.test=1", "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined",
      "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock", "-e", "container=docker",
      "-v", "\((binDir as NSString).deletingLastPathComponent):\((binDir as NSString).deletingLastPathComponent):ro", "-v", "/opt/swift:/opt/swift:ro",
      "-v", "/usr/lib/x86_64-linux-gnu:/hostlib:ro", "-v", "\(h.root):\(h.root)", "local/systemd-bookworm:1", "/lib/systemd/systemd",
    ])
    try #require(started.0 == 0, "\(started.1)")
    func exec(_ argv: [String]) -> String { TestEngine.docker(["exec", box] + argv).1 }
    #expect(eventually(within: 60) { ["running", "degraded"].contains(exec(["systemctl", "is-system-running"])) })

    // What the controller in the box follows: one file, healed when it drifts.
    let inner = h.root + "/inner"
    try FileManager.default.createDirectory(atPath: inner, withIntermediateDirectories: true)
    try #"{ "apiVersion": "reconcile/v1", "policy": { "selfHeal": true }, "resources": [ { "kind": "file", "name": "hello", "path": "\#(h.host)/hello", "content": "kept\n" } ] }"#
      .write(toFile: inner + "/main.json", atomically: true, encoding: .utf8)

    // The shipped unit, installed into the box: its manifests and state are the inner ones there, and the host's
    // libraries are found by the loader through a drop-in.
    let shipped = try String(contentsOfFile: Self.repository + "/manifests/host/controller.json", encoding: .utf8)
    var doc = try #require(try JSONSerialization.jsonObject(with: Data(shipped.utf8)) as? [String: Any])
    var unit = try #require((doc["resources"] as? [[String: Any]])?.first)
    unit["content"] = (unit["content"] as? String ?? "").replacingOccurrences(of: "${reconcile.manifests}", with: inner)
      .replacingOccurrences(of: "${reconcile.state}", with: h.root + "/inner-state")
    unit["commandPrefix"] = ["docker", "-H", TestEngine.host, "exec", box]
    unit["dropIns"] = ["libraries.conf": "[Service]\nEnvironment=LD_LIBRARY_PATH=/hostlib\n"]
    doc["resources"] = [unit]
    try String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self).write(toFile: h.manifests + "/main.json", atomically: true, encoding: .utf8)
    let r = try h.run(["apply", "--auto-approve"])
    #expect(r.status == 0, "\(r.all)")
    #expect(exec(["systemctl", "is-active", "reconcile-controller"]) == "active", "\(exec(["journalctl", "-u", "reconcile-controller", "--no-pager", "-n", "30"]))")
    #expect(eventually(within: 30) { h.read(h.host + "/hello") == "kept\n" }, "\(exec(["journalctl", "-u", "reconcile-controller", "--no-pager", "-n", "30"]))")
    #expect(try h.run(["plan"]).stdout.contains("No changes."))

    // Killed, it comes back, and heals again.
    let pid = exec(["systemctl", "show", "reconcile-controller", "-p", "MainPID", "--value"])
    #expect(Int(pid) ?? 0 > 0)
    _ = exec(["systemctl", "kill", "--signal=SIGKILL", "reconcile-controller"])
    #expect(
      eventually(within: 30) {
        let now = exec(["systemctl", "show", "reconcile-controller", "-p", "MainPID", "--value"])
        return now != pid && Int(now) ?? 0 > 0 && exec(["systemctl", "is-active", "reconcile-controller"]) == "active"
      }, "\(exec(["journalctl", "-u", "reconcile-controller", "--no-pager", "-n", "30"]))")
    #expect(Int(exec(["systemctl", "show", "reconcile-controller", "-p", "NRestarts", "--value"])) ?? 0 >= 1)
    try FileManager.default.removeItem(atPath: h.host + "/hello")
    #expect(eventually(within: 30) { h.read(h.host + "/hello") == "kept\n" }, "the controller that came back heals")

    // Day-2 on the unit, through the same target: its journal, and a restart.
    let journal = try h.run(["logs", "unit/reconcile-controller", "--tail", "50"])
    #expect(journal.status == 0 && journal.stdout.contains("reconcile controller listening on http://127.0.0.1:9797"), "\(journal.all)")
    let before = exec(["systemctl", "show", "reconcile-controller", "-p", "MainPID", "--value"])
    let restarted = try h.run(["restart", "unit/reconcile-controller"])
    #expect(restarted.status == 0 && restarted.stdout == "reconcile-controller.service: restarted\n", "\(restarted.all)")
    #expect(exec(["systemctl", "show", "reconcile-controller", "-p", "MainPID", "--value"]) != before)
  }
}
