import Foundation
import HTTPKit
import ReconcileCore
import Testing
import TestSupport
import Essentials

/// `reconcile controller` against the real filesystem, real git repositories and a loopback webhook receiver.
@Suite struct ControllerTests {
  static let alertSecret = "alert-hmac-Secret-5521"
  static let contentSecret = "content-Secret-8817"

  func manifest(_ h: CLIHarness, receiver: WebhookReceiver, selfHeal: Bool) -> String {
    """
    { "apiVersion": "reconcile/v1", "policy": { "selfHeal": \(selfHeal) },
      "alerts": [ { "name": "ops", "type": "webhook", "url": "\(receiver.url)", "secret": "${secret.ALERT_SECRET}" } ],
      "resources": [ { "kind": "file", "name": "motd", "path": "HOST/motd", "content": "hello ${secret.CONTENT}\\n" } ] }
    """
  }

  var secrets: [String: String] { ["ALERT_SECRET": Self.alertSecret, "CONTENT": Self.contentSecret] }

  /// Runs `body` against a controller following `manifest(_:receiver:selfHeal:)` in a fresh sandbox, with the receiver of its alerts.
  func withController(selfHeal: Bool, _ body: (CLIHarness, WebhookReceiver, ControllerProcess) throws -> Void) throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let receiver = try WebhookReceiver(secret: Self.alertSecret)
    defer { receiver.stop() }
    try h.manifest(manifest(h, receiver: receiver, selfHeal: selfHeal))
    let c = try ControllerProcess(h, [], env: secrets)
    defer { c.terminate() }
    try body(h, receiver, c)
  }

  @Test func selfHealRestoresAHandEditAndSaysSoInASignedAlert() throws {
    try withController(selfHeal: true) { h, receiver, c in
      let motd = "\(h.host)/motd"
      #expect(eventually(within: 30) { h.read(motd) == "hello \(Self.contentSecret)\n" })
      try "tampered\n".write(toFile: motd, atomically: false, encoding: .utf8)
      #expect(eventually(within: 30) { h.read(motd) == "hello \(Self.contentSecret)\n" }, "not healed: \(c.log)")
      #expect(eventually(within: 30) { !receiver.alerts("drift-healed").isEmpty })
      let healed = receiver.alerts("drift-healed")[0]
      #expect(healed["subject"] as? String == "file/motd")
      let allSigned = receiver.all.allSatisfy { $0.signatureValid }
      #expect(allSigned)
      #expect(!receiver.all.contains { $0.body.contains(Self.contentSecret) || $0.body.contains(Self.alertSecret) })
      #expect(c.stop() == 0)
      #expect(c.log.contains("reconcile controller stopped"))
      #expect(!c.log.contains(Self.contentSecret))
    }
  }

  @Test func reportOnlyReportsDriftAndChangesNothing() throws {
    try withController(selfHeal: false) { h, receiver, c in
      let motd = "\(h.host)/motd"
      #expect(eventually(within: 30) { h.read(motd) != nil })
      try "tampered\n".write(toFile: motd, atomically: false, encoding: .utf8)
      #expect(eventually(within: 30) { !receiver.alerts("drift-detected").isEmpty }, "\(c.log)")
      #expect(h.read(motd) == "tampered\n")
      let status = c.status()
      let resources = status["resources"] as? [[String: Any]] ?? []
      #expect(resources.first?["sync"] as? String == "drifted")
      #expect(status["selfHeal"] as? Bool == false)
      // Health is open; everything else wants the token.
      #expect(try c.request("GET", "/healthz").status == 200)
      #expect(try c.request("GET", "/readyz").status == 200)
      #expect(try c.request("GET", "/metrics").status == 401)
      #expect(try c.request("GET", "/status", token: "wrong").status == 401)
      let metrics = try c.request("GET", "/metrics", token: c.token).text
      #expect(metrics.contains("reconcile_drifted_resources 1"))
      #expect(metrics.contains("reconcile_managed_resources{kind=\"file\"} 1"))
      #expect(metrics.contains("reconcile_runs_total{outcome=\"succeeded\",trigger=\"startup\"} 1"))
      #expect(try c.request("POST", "/trigger", token: c.token).status == 202)
      #expect(c.stop() == 0)
    }
  }

  /// What an operator alerts on, in `/metrics`: a certificate's expiry, a job's last success and its failures in a row,
  /// step durations by kind, the build; and a log of JSON lines (`--log-format json`).
  @Test func metricsSayWhatAnOperatorAlertsOn() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(
      #"""
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "certificate", "name": "site", "domains": ["site.test"], "directory": "HOST/certs", "renewBefore": "7d", "issuer": { "type": "self-signed", "days": 30 } },
        { "kind": "job", "name": "good", "schedule": "@daily", "command": "true", "cronDirectory": "HOST/cron.d" },
        { "kind": "job", "name": "bad", "schedule": "@daily", "command": "exit 3", "cronDirectory": "HOST/cron.d" } ] }
      """#)
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    _ = try h.run(["run-job", "good"])
    _ = try h.run(["run-job", "bad"])
    _ = try h.run(["run-job", "bad"])
    let c = try ControllerProcess(h, ["--log-format", "json"])
    defer { c.terminate() }
    #expect(eventually(within: 30) { c.lastRunOutcome == "succeeded" }, "\(c.log)")
    // The log: one JSON object per line, each with its time and level.
    let lines = c.log.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    #expect(!lines.isEmpty && lines.allSatisfy { $0?["time"] is String && $0?["level"] is String && $0?["msg"] is String }, "\(c.log)")
    #expect(lines.contains { ($0?["msg"] as? String ?? "").hasPrefix("--- run 1 (startup) ---") })
    let metrics = try c.request("GET", "/metrics", token: c.token).text
    let expiry = try #require(metrics.firstMatch(of: #/reconcile_certificate_expiry_timestamp_seconds\{certificate="site"\} (\d+)/#), "\(metrics)")
    let days = (Double(expiry.output.1)! - Date().timeIntervalSince1970) / 86400
    #expect(days > 29 && days <= 30.01, "\(days) days left")
    let success = try #require(metrics.firstMatch(of: #/reconcile_job_last_success_timestamp_seconds\{kind="job",name="good"\} (\d+)/#))
    #expect(abs(Double(success.output.1)! - Date().timeIntervalSince1970) < 120)
    #expect(metrics.contains("reconcile_job_last_success_timestamp_seconds{kind=\"job\",name=\"bad\"} 0"))
    #expect(metrics.contains("reconcile_job_consecutive_failures{kind=\"job\",name=\"bad\"} 2"))
    #expect(metrics.contains("reconcile_job_consecutive_failures{kind=\"job\",name=\"good\"} 0"))
    #expect(metrics.contains("# TYPE reconcile_step_duration_seconds histogram") && metrics.contains("reconcile_build_info{version=\""))
    #expect(c.stop() == 0)
  }

  /// The managed nginx killed outright (master and workers, as a crash or the OOM killer would): the controller sees it
  /// gone within a second, starts it again with its live configuration, and alerts `server-down`. Its logs and the
  /// history stay under `--max-log-size`: past it they move to `.1` and nginx writes a new log.
  @Test func aKilledManagedNginxComesBackWithAnAlertAndItsLogsStayCapped() throws {
    let h = try CLIHarness()
    let http = freePort()
    let prefix = h.host + "/nginx"
    defer {
      ProxyTest.stopNginx(prefix)
      h.cleanup()
    }
    let receiver = try WebhookReceiver(secret: "s")
    defer { receiver.stop() }
    try h.manifest(
      #"""
      { "apiVersion": "reconcile/v1", "policy": { "selfHeal": true },
        "alerts": [ { "name": "ops", "type": "webhook", "url": "\#(receiver.url)", "secret": "s" } ],
        "resources": [
          { "kind": "directory", "name": "www", "path": "HOST/www" },
          { "kind": "file", "name": "index", "path": "HOST/www/index.html", "content": "up\n", "dependsOn": ["directory/www"] },
          { "kind": "site", "name": "plain", "prefix": "HOST/nginx", "serverNames": ["web.test"], "listen": "127.0.0.1:\#(http)", "root": "HOST/www" } ] }
      """#)
    let c = try ControllerProcess(h, ["--resync", "1h", "--max-log-size", "64k"])
    defer { c.terminate() }
    #expect(eventually(within: 30) { c.lastRunOutcome == "succeeded" && ProxyTest.curl("http://127.0.0.1:\(http)/").text.hasSuffix("up\n") }, "\(c.log)")
    // Settled: the runs its own first writes triggered are over, and the watcher has seen nginx running.
    var runs = -1
    #expect(
      eventually(within: 30, every: 1.5) {
        let now = (c.status()["lastRun"] as? [String: Any])?["number"] as? Int ?? 0
        defer { runs = now }
        return now == runs && c.lastRunOutcome == "succeeded"
      })
    let pid = try #require(pid_t((h.read(prefix + "/run/nginx.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
    let killed = Date()
    kill(-getpgid(pid), SIGKILL)
    #expect(eventually(within: 20) { ProxyTest.curl("http://127.0.0.1:\(http)/").text.hasSuffix("up\n") }, "not back: \(c.log)")
    let back = Date().timeIntervalSince(killed)
    #expect(c.log.contains("managed server stopped (nginx at \(prefix))"), "\(c.log)")
    #expect(eventually(within: 10) { !receiver.alerts("server-down").isEmpty })
    let alert = receiver.alerts("server-down").first ?? [:]
    #expect(alert["subject"] as? String == "site/plain" && (alert["message"] as? String ?? "").contains("nginx at '\(prefix)' is not running"), "\(alert)")

    // Past the cap, after the next run: moved to `.1`, and nginx logs the next request in a new file.
    let access = prefix + "/logs/access.log", history = h.state + "/history.jsonl"
    for path in [access, history] {
      let f = try #require(FileHandle(forWritingAtPath: path))
      f.seekToEndOfFile()
      f.write(Data(String(repeating: "padding to pass the cap\n", count: 4000).utf8))
      try f.close()
    }
    let before = (c.status()["lastRun"] as? [String: Any])?["number"] as? Int ?? 0
    #expect(try c.request("POST", "/trigger", token: c.token).status == 202)
    #expect(eventually(within: 20) { ((c.status()["lastRun"] as? [String: Any])?["number"] as? Int ?? 0) > before })
    #expect(eventually(within: 10) { h.exists(access + ".1") && h.exists(history + ".1") }, "\(c.log)")
    _ = ProxyTest.curl("http://127.0.0.1:\(http)/")
    #expect(eventually(within: 10) { (h.read(access) ?? "").contains("GET / HTTP/1.1") }, "nginx reopened its log")
    #expect((h.read(access) ?? "").utf8.count < 64 * 1024 && !(h.read(access) ?? "").contains("padding"))
    #expect(c.stop() == 0)
    print("managed nginx killed -> serving again in \(String(format: "%.2f", back)) s")
  }

  /// One invalid save must not wedge the controller: the fix, or any later trigger, reads the manifests afresh and
  /// heals what drifted meanwhile.
  @Test func anInvalidSaveThenTheFixHealsWhatDriftedMeanwhile() throws {
    try withController(selfHeal: true) { h, receiver, c in
      let good = manifest(h, receiver: receiver, selfHeal: true)
      let motd = "\(h.host)/motd"
      #expect(eventually(within: 30) { c.lastRunOutcome == "succeeded" })
      try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "motd" } ] }"#)
      #expect(eventually(within: 30) { c.lastRunOutcome == "invalid" }, "the invalid save was not read: \(c.log)")
      try FileManager.default.removeItem(atPath: motd)
      try h.manifest(good)
      #expect(eventually(within: 30) { h.read(motd) == "hello \(Self.contentSecret)\n" }, "not healed after the fix: \(c.log)")
      #expect(eventually(within: 30) { c.status()["ready"] as? Bool == true })
      #expect(c.log.contains("manifests changed ("), "a save under the manifests is named as such: \(c.log)")
      #expect(c.stop() == 0)
    }
  }

  /// Writes beside a managed file, in its directory, trigger nothing; a write of the managed file does.
  @Test func onlyWritesOfManagedFilesTriggerARun() throws {
    try withController(selfHeal: true) { h, _, c in
      let number = { (c.status()["lastRun"] as? [String: Any])?["number"] as? Int }
      // Settled: its own first writes may trigger one follow-up run; wait until no run starts for a second.
      var settled: Int?
      #expect(
        eventually(within: 30) {
          let n = number()
          Thread.sleep(forTimeInterval: 1)
          if n != nil, n == number(), c.lastRunOutcome == "succeeded" { settled = n }
          return settled != nil
        })
      let before = settled
      for i in 0..<3 { try "scratch \(i)".write(toFile: "\(h.host)/unrelated-\(i).log", atomically: false, encoding: .utf8) }
      // The watcher's debounce is 0.2 s: a run it triggered would have started well within this.
      Thread.sleep(forTimeInterval: 1.5)
      #expect(number() == before, "an unrelated write triggered a run: \(c.log)")
      try "tampered\n".write(toFile: "\(h.host)/motd", atomically: false, encoding: .utf8)
      #expect(eventually(within: 30) { (number() ?? 0) > (before ?? 0) && h.read("\(h.host)/motd") == "hello \(Self.contentSecret)\n" })
      #expect(c.stop() == 0)
    }
  }

  /// A bare "remote" and a working clone with one commit of manifests under `manifests/`.
  func gitRemote(_ h: CLIHarness, content: String) throws -> (remote: String, work: String) {
    let remote = "\(h.root)/remote.git", work = "\(h.root)/work"
    try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
    try git(remote, ["init", "--quiet", "--bare", "--initial-branch=main"])
    try git(h.root, ["clone", "--quiet", remote, work])
    try commit(h, work: work, content: content, message: "first")
    return (remote, work)
  }

  func commit(_ h: CLIHarness, work: String, content: String, message: String, raw: String? = nil) throws {
    try FileManager.default.createDirectory(atPath: "\(work)/manifests", withIntermediateDirectories: true)
    let json = raw ?? #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "f", "path": "\#(h.host)/f", "content": "\#(content)" } ] }"#
    try json.write(toFile: "\(work)/manifests/m.json", atomically: true, encoding: .utf8)
    try git(work, ["add", "-A"])
    try git(work, ["commit", "--quiet", "-m", message])
    try git(work, ["push", "--quiet", "origin", "HEAD:main"])
  }

  @Test func aPushedCommitIsAppliedThroughTheWebhookAndAForgedOneIsRejected() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let (remote, work) = try gitRemote(h, content: "one")
    let hookSecret = "hook-Secret-3141"
    try hookSecret.write(toFile: "\(h.root)/hook.secret", atomically: true, encoding: .utf8)
    let c = try ControllerProcess(
      h, ["--git", remote, "--branch", "main", "--path", "manifests", "--poll", "1h", "--state", h.state, "--webhook-secret-file", "\(h.root)/hook.secret"])
    defer { c.terminate() }
    #expect(eventually(within: 30) { h.read("\(h.host)/f") == "one" }, "\(c.log)")
    try commit(h, work: work, content: "two", message: "second")
    let body = Array(#"{"ref":"refs/heads/main"}"#.utf8)
    let forged = try c.request("POST", "/hooks/git", headers: [("X-Hub-Signature-256", "sha256=" + String(repeating: "0", count: 64))], body: body)
    #expect(forged.status == 401)
    let gitlabWrong = try c.request("POST", "/hooks/git", headers: [("X-Gitlab-Token", "nope")], body: body)
    #expect(gitlabWrong.status == 401)
    let gitea = try c.request("POST", "/hooks/git", headers: [("X-Gitea-Signature", ReconcileCoreHMAC.hex(key: hookSecret, body))], body: body)
    #expect(gitea.status == 202)
    let gitlab = try c.request("POST", "/hooks/git", headers: [("X-Gitlab-Token", hookSecret)], body: body)
    #expect(gitlab.status == 202)
    let mac = "sha256=" + ReconcileCoreHMAC.hex(key: hookSecret, body)
    let signed = try c.request("POST", "/hooks/git", headers: [("X-Hub-Signature-256", mac)], body: body)
    #expect(signed.status == 202)
    #expect(eventually(within: 30) { h.read("\(h.host)/f") == "two" }, "\(c.log)")
    let sha = try git(work, ["rev-parse", "HEAD"])
    #expect(eventually(within: 30) { (gitIfOK(remote, ["notes", "--ref=reconcile", "show", sha]) ?? "").contains("reconcile: applied") })
    #expect(eventually(within: 30) { (c.status()["revision"] as? String) == sha })
    let history = h.read("\(h.state)/history.jsonl") ?? ""
    #expect(history.contains("\"revision\":\"\(sha)\""))
    #expect(c.stop() == 0)
  }

  @Test func anInvalidCommitIsRefusedAndTheLastGoodRevisionStays() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let receiver = try WebhookReceiver(secret: "s")
    defer { receiver.stop() }
    let alerts = #", "alerts": [ { "name": "ops", "type": "webhook", "url": "\#(receiver.url)", "secret": "s" } ]"#
    let good = #"{ "apiVersion": "reconcile/v1"\#(alerts), "resources": [ { "kind": "file", "name": "f", "path": "\#(h.host)/f", "content": "good" } ] }"#
    let (remote, work) = try gitRemote(h, content: "")
    try commit(h, work: work, content: "", message: "good", raw: good)
    let c = try ControllerProcess(h, ["--git", remote, "--path", "manifests", "--poll", "1s", "--state", h.state])
    defer { c.terminate() }
    #expect(eventually(within: 30) { h.read("\(h.host)/f") == "good" }, "\(c.log)")
    let goodSHA = try git(work, ["rev-parse", "HEAD"])
    let bad = #"{ "apiVersion": "reconcile/v1"\#(alerts), "resources": [ { "kind": "file", "name": "f", "path": "\#(h.host)/f", "contnet": "bad" } ] }"#
    try commit(h, work: work, content: "", message: "typo", raw: bad)
    let badSHA = try git(work, ["rev-parse", "HEAD"])
    #expect(eventually(within: 30) { !receiver.alerts("invalid-revision").isEmpty }, "\(c.log)")
    let alert = receiver.alerts("invalid-revision")[0]
    #expect((alert["message"] as? String ?? "").contains("unknown key 'contnet' (did you mean 'content'?)"))
    #expect((alert["message"] as? String ?? "").contains("keeping \(goodSHA.prefix(12))"))
    #expect(eventually(within: 30) { (gitIfOK(remote, ["notes", "--ref=reconcile", "show", badSHA]) ?? "").contains("invalid, not applied") })
    #expect(h.read("\(h.host)/f") == "good")
    #expect(c.status()["revision"] as? String == goodSHA)
    // Fixing the commit (a new revision) is applied within one poll interval, without a webhook.
    try commit(h, work: work, content: "fixed", message: "fix")
    #expect(eventually(within: 30) { h.read("\(h.host)/f") == "fixed" }, "\(c.log)")
    #expect(c.stop() == 0)
  }
}

/// HMAC for the tests' webhook signatures (the same primitive the controller verifies with).
enum ReconcileCoreHMAC {
  static func hex(key: String, _ body: [UInt8]) -> String {
    HMACSHA256(key: Array(key.utf8)).mac(bytes: body)
  }
}

/// The controller's own writes are not a change of the manifests: with the state directory under the manifests'
/// directory, an idle controller settles and waits (it ran again and again, at a third of a core), and the state's
/// JSON files are not read as manifests.
@Suite struct ControllerOwnWritesTests {
  @Test func aStateDirectoryUnderTheManifestsDoesNotTriggerRuns() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "a", "path": "\#(h.host)/a", "content": "a\n" } ] }"#)
    let running = h.start(
      ["controller", "--listen", "127.0.0.1:0", "--manifests", h.manifests, "--state", h.manifests + "/state"],
      env: ["RECONCILE_CONTROLLER_TOKEN": "test-token-0123456789"], plain: true)
    defer {
      kill(running.process.processIdentifier, SIGTERM)
      running.process.waitUntilExit()
    }
    func runs() -> Int { running.result().stdout.components(separatedBy: "--- run ").count - 1 }
    #expect(eventually(within: 20) { runs() >= 1 && running.result().stdout.contains("Apply complete") }, "\(running.result().all)")
    // The file it made may start one more run (a managed path changed), and then nothing does.
    Thread.sleep(forTimeInterval: 2)
    let settled = runs()
    Thread.sleep(forTimeInterval: 3)
    #expect(settled <= 2 && runs() == settled, "\(running.result().stdout)")
    #expect(!running.result().stdout.contains("invalid"), "the state directory is not read as manifests: \(running.result().stdout)")
    // A change of the manifests still starts a run.
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "a", "path": "\#(h.host)/a", "content": "b\n" } ] }"#)
    #expect(eventually(within: 20) { (try? String(contentsOfFile: h.host + "/a", encoding: .utf8)) == "b\n" }, "\(running.result().stdout)")
  }
}
