import Foundation
import Testing

@Suite struct DriftTests {
  @Test func aHandEditShowsAsDriftInEveryFormatAndApplyRevertsIt() throws {
    let h = try CLIHarness.applied(demoManifest)
    defer { h.cleanup() }
    try "hacked\n".write(toFile: "\(h.host)/site/motd", atomically: true, encoding: .utf8)
    try FileManager.default.removeItem(atPath: "\(h.host)/site/motd")
    try "hacked\n".write(toFile: "\(h.host)/site/motd", atomically: false, encoding: .utf8)
    let text = try h.run(["drift"])
    #expect(text.status == 2)
    #expect(
      text.stdout.hasPrefix(
        """
        Drift found in 1 resource (1 in sync):

          changed    file/motd: changed on the host since the last apply: content
              content:
                  @@ -1,1 +1,1 @@
                  -hacked
                  +hello
        """))
    let json = try h.run(["drift", "--format", "json"])
    #expect(json.status == 2)
    let doc = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
    let entries = doc["resources"] as! [[String: Any]]
    #expect(entries.map { $0["address"] as! String } == ["file/motd"] && entries[0]["status"] as? String == "changed")
    let md = try h.run(["drift", "--format", "markdown"])
    #expect(md.stdout.contains("| `file/motd` | changed | changed on the host since the last apply: content |"))
    let reports = try FileManager.default.contentsOfDirectory(atPath: "\(h.state)/drift")
    #expect(reports.count >= 1 && reports.allSatisfy { $0.hasSuffix(".json") })
    #expect(try h.run(["apply", "--auto-approve"]).stdout.contains("file/motd: updated"))
    #expect(h.read("\(h.host)/site/motd") == "hello\n")
    #expect(try h.run(["drift"]).status == 0)
  }

  @Test func missingAndUnmanagedAreReported() throws {
    let h = try CLIHarness.applied(demoManifest)
    defer { h.cleanup() }
    try FileManager.default.removeItem(atPath: "\(h.host)/site/motd")
    try "already here".write(toFile: "\(h.host)/other", atomically: true, encoding: .utf8)
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "other", "path": "HOST/other", "content": "already here" } ] }"#, name: "more")
    let r = try h.run(["drift"])
    #expect(r.status == 2)
    #expect(r.stdout.contains("  missing    file/motd: applied "))
    #expect(r.stdout.contains("  unmanaged  file/other: present on the host but never applied by reconcile"))
  }
}

/// No secret value appears in plan text, JSON plan, state, history, drift reports, status or error messages.
@Suite struct SecretTests {
  @Test func secretsNeverLeaveMemoryInClear() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let fromEnvFile = "envfile-Secret-7781", fromDir = "dirfile-Secret-9923", fromProcess = "process-Secret-4410"
    try "DB_PASSWORD=\"\(fromEnvFile)\"\n# comment\n".write(toFile: "\(h.manifests)/.env", atomically: true, encoding: .utf8)
    try FileManager.default.createDirectory(atPath: "\(h.manifests)/secrets", withIntermediateDirectories: true)
    try "\(fromDir)\n".write(toFile: "\(h.manifests)/secrets/API_KEY", atomically: true, encoding: .utf8)
    try h.manifest(
      """
      { "apiVersion": "reconcile/v1", "variables": { "dsn": "postgres://app:${secret.DB_PASSWORD}@db/app" }, "resources": [
        { "kind": "file", "name": "env", "path": "HOST/app.env", "mode": "0600",
          "content": "DSN=${var.dsn}\\nAPI_KEY=${secret.API_KEY}\\nTOKEN=${secret.PROC_TOKEN}\\n" } ] }
      """)
    let env = ["PROC_TOKEN": fromProcess]
    var outputs: [String] = []
    outputs.append(try h.run(["plan"], env: env).all)
    outputs.append(try h.run(["plan", "--json", "--out", "\(h.root)/saved.plan"], env: env).all)
    outputs.append(try h.run(["apply", "--auto-approve"], env: env).all)
    #expect(h.read("\(h.host)/app.env") == "DSN=postgres://app:\(fromEnvFile)@db/app\nAPI_KEY=\(fromDir)\nTOKEN=\(fromProcess)\n")
    try "DSN=tampered\n".write(toFile: "\(h.host)/app.env", atomically: true, encoding: .utf8)
    outputs.append(try h.run(["drift"], env: env).all)
    outputs.append(try h.run(["drift", "--format", "json"], env: env).all)
    outputs.append(try h.run(["drift", "--format", "markdown"], env: env).all)
    outputs.append(try h.run(["status"], env: env).all)
    outputs.append(try h.run(["plan"], env: env).all)
    // An error path: the file's directory disappears, the step fails; the error must not carry the content.
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "env", "path": "HOST/gone/app.env", "content": "K=${secret.API_KEY}" } ] }"#)
    outputs.append(try h.run(["apply", "--auto-approve"], env: env).all)
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "env", "path": "HOST/x", "content": "x", "mode": "${secret.API_KEY}" } ] }"#)
    outputs.append(try h.run(["validate"], env: env).all)
    let everything = outputs.joined(separator: "\n") + h.stateText() + (h.read("\(h.root)/saved.plan") ?? "")
    #expect(everything.contains("(sensitive value)"))
    #expect(everything.contains("secrets are not allowed here"))
    for secret in [fromEnvFile, fromDir, fromProcess] {
      #expect(!everything.contains(secret), "secret \(secret) leaked")
    }
  }

  @Test func aMissingSecretSaysWhereItLooked() throws {
    let h = try CLIHarness(manifest: #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "f", "path": "HOST/f", "content": "${secret.NOPE_NOT_SET}" } ] }"#)
    defer { h.cleanup() }
    let r = try h.run(["validate"])
    #expect(r.status == 1)
    #expect(r.stderr.contains("resources[0]: content: secret 'NOPE_NOT_SET' is not set (looked in the environment, '\(h.manifests)/secrets/')"))
  }
}

@Suite struct HelpTests {
  @Test func everyCommandHasHelpWithExamples() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    for cmd in ["validate", "plan", "apply", "drift", "status"] {
      let r = try h.run([cmd, "--help"], plain: true)
      #expect(r.status == 0 && r.stdout.contains("Usage: reconcile \(cmd)") && r.stdout.contains("Example"))
    }
    let typo = try h.run(["aply"], plain: true)
    #expect(typo.status == 1 && typo.stderr == "error: unknown command 'aply' (did you mean 'apply'?); see 'reconcile --help'\n")
    let opt = try h.run(["plan", "--detailed-exit-code"])
    #expect(opt.stderr.contains("unknown option '--detailed-exit-code' for 'plan' (did you mean '--detailed-exitcode'?)"))
  }
}
