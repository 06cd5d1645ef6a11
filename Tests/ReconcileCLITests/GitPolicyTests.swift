import Foundation
import Testing
import TestSupport

/// GitOps refusals: rewritten history and unsigned commits never take effect.
@Suite struct GitPolicyTests {
  func setUp(_ h: CLIHarness) throws -> (remote: String, work: String) {
    let remote = "\(h.root)/remote.git", work = "\(h.root)/work"
    try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
    try git(remote, ["init", "--quiet", "--bare", "--initial-branch=main"])
    try git(h.root, ["clone", "--quiet", remote, work])
    return (remote, work)
  }

  func write(_ h: CLIHarness, _ work: String, _ content: String) throws {
    try FileManager.default.createDirectory(atPath: "\(work)/manifests", withIntermediateDirectories: true)
    try #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "f", "path": "\#(h.host)/f", "content": "\#(content)" } ] }"#
      .write(toFile: "\(work)/manifests/m.json", atomically: true, encoding: .utf8)
    try git(work, ["add", "-A"])
  }

  /// Commits `content` and pushes it to the remote's main branch; returns the commit.
  @discardableResult
  func commitAndPush(_ h: CLIHarness, _ work: String, _ content: String) throws -> String {
    try write(h, work, content)
    try git(work, ["commit", "--quiet", "-m", content])
    try git(work, ["push", "--quiet", "origin", "HEAD:main"])
    return try git(work, ["rev-parse", "HEAD"])
  }

  @Test func aRewrittenHistoryIsRefusedUnlessAllowed() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let (remote, work) = try setUp(h)
    try commitAndPush(h, work, "one")
    let c = try ControllerProcess(h, ["--git", remote, "--path", "manifests", "--poll", "1s", "--state", h.state])
    defer { c.terminate() }
    #expect(eventually(within: 15) { h.read("\(h.host)/f") == "one" }, "\(c.log)")
    // Replace the commit instead of adding to it, and force-push.
    try write(h, work, "rewritten")
    try git(work, ["commit", "--quiet", "--amend", "-m", "rewritten"])
    try git(work, ["push", "--quiet", "--force", "origin", "HEAD:main"])
    let rewritten = try git(work, ["rev-parse", "HEAD"])
    #expect(eventually(within: 15) { (gitIfOK(remote, ["notes", "--ref=reconcile", "show", rewritten]) ?? "").contains("refused") }, "\(c.log)")
    let note = gitIfOK(remote, ["notes", "--ref=reconcile", "show", rewritten]) ?? ""
    #expect(note.contains("is not a fast-forward of"))
    #expect(h.read("\(h.host)/f") == "one")
    #expect(c.stop() == 0)
    let allowed = try ControllerProcess(h, ["--git", remote, "--path", "manifests", "--poll", "1s", "--state", h.state, "--allow-rewrite"])
    defer { allowed.terminate() }
    #expect(eventually(within: 15) { h.read("\(h.host)/f") == "rewritten" }, "\(allowed.log)")
    #expect(allowed.stop() == 0)
  }

  /// A force-push back to an older commit that was applied before is a rewrite too: refused with a note and an
  /// alert, never silently ignored, and the newer revision stays in force.
  @Test func aForcePushBackToAnAppliedCommitIsRefused() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let (remote, work) = try setUp(h)
    let one = try commitAndPush(h, work, "one")
    let c = try ControllerProcess(h, ["--git", remote, "--path", "manifests", "--poll", "1s", "--state", h.state])
    defer { c.terminate() }
    #expect(eventually(within: 15) { h.read("\(h.host)/f") == "one" }, "\(c.log)")
    let two = try commitAndPush(h, work, "two")
    #expect(eventually(within: 15) { h.read("\(h.host)/f") == "two" }, "\(c.log)")
    try git(work, ["push", "--quiet", "--force", "origin", "\(one):main"])
    #expect(
      eventually(within: 15) { (gitIfOK(remote, ["notes", "--ref=reconcile", "show", one]) ?? "").contains("refused: is not a fast-forward of \(two.prefix(12))") },
      "\(c.log)")
    #expect(h.read("\(h.host)/f") == "two")
    #expect((c.status()["revision"] as? String) == two)
    #expect(c.stop() == 0)
  }

  @Test func withRequireSignedOnlyVerifiedCommitsApply() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let (remote, work) = try setUp(h)
    // An SSH signing key and a git configuration that trusts it, for the tester and the controller alike.
    let key = "\(h.root)/signing"
    let keygen = Process()
    keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
    keygen.arguments = ["-q", "-t", "ed25519", "-N", "", "-C", "t@example.org", "-f", key]
    try keygen.run()
    keygen.waitUntilExit()
    let pub = try String(contentsOfFile: key + ".pub", encoding: .utf8)
    try "t@example.org \(pub)".write(toFile: "\(h.root)/allowed_signers", atomically: true, encoding: .utf8)
    let config = "\(h.root)/gitconfig"
    try """
    [gpg]
      format = ssh
    [gpg "ssh"]
      allowedSignersFile = \(h.root)/allowed_signers
    [user]
      signingkey = \(key)
    """.write(toFile: config, atomically: true, encoding: .utf8)
    setenv("GIT_CONFIG_GLOBAL", config, 1)
    defer { unsetenv("GIT_CONFIG_GLOBAL") }
    try write(h, work, "signed")
    try git(work, ["commit", "--quiet", "-S", "-m", "signed"])
    try git(work, ["push", "--quiet", "origin", "HEAD:main"])
    let c = try ControllerProcess(h, ["--git", remote, "--path", "manifests", "--poll", "1s", "--state", h.state, "--require-signed"], env: ["GIT_CONFIG_GLOBAL": config])
    defer { c.terminate() }
    #expect(eventually(within: 15) { h.read("\(h.host)/f") == "signed" }, "\(c.log)")
    try write(h, work, "unsigned")
    try git(work, ["commit", "--quiet", "--no-gpg-sign", "-m", "unsigned"])
    try git(work, ["push", "--quiet", "origin", "HEAD:main"])
    let unsigned = try git(work, ["rev-parse", "HEAD"])
    #expect(eventually(within: 15) { (gitIfOK(remote, ["notes", "--ref=reconcile", "show", unsigned]) ?? "").contains("refused") }, "\(c.log)")
    #expect((gitIfOK(remote, ["notes", "--ref=reconcile", "show", unsigned]) ?? "").contains("has no valid signature"))
    #expect(h.read("\(h.host)/f") == "signed")
    #expect(c.stop() == 0)
  }
}
