import Foundation
import Testing

/// Behaviour on a real terminal (a pseudo-terminal from util-linux `script`) and in a git work tree.
@Suite struct TerminalTests {
  /// Runs reconcile under `script` with `input` typed at the prompt; returns what the terminal showed.
  func onTerminal(_ h: CLIHarness, _ args: String, input: String, env: String = "") throws -> (Int32, String) {
    let cmd = "\(env) \(CLIHarness.binary) \(args) --manifests \(h.manifests) --state \(h.state)"
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    p.arguments = ["-qec", cmd, "/dev/null"]
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = nil
    environment["TERM"] = "xterm"
    p.environment = environment
    let stdin = Pipe(), stdout = Pipe()
    p.standardInput = stdin
    p.standardOutput = stdout
    p.standardError = stdout
    try p.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: out, as: UTF8.self))
  }

  @Test func applyAsksOnATerminalAndOnlyYesApproves() throws {
    let h = try CLIHarness(manifest: demoManifest)
    defer { h.cleanup() }
    let (no, shownNo) = try onTerminal(h, "apply", input: "no\n")
    #expect(no == 1)
    #expect(shownNo.contains("Do you want to perform these actions?"))
    #expect(shownNo.contains("Apply cancelled. Nothing was changed."))
    #expect(!h.exists("\(h.host)/site"))
    let (yes, shownYes) = try onTerminal(h, "apply", input: "yes\n")
    #expect(yes == 0, "\(shownYes)")
    #expect(h.read("\(h.host)/site/motd") == "hello\n")
    // Colours on a terminal: the create symbol is green and the summary bold.
    #expect(shownYes.contains("\u{1B}[32m+ directory/site\u{1B}[0m"))
    #expect(shownYes.contains("\u{1B}[32mApply complete:\u{1B}[0m"))
  }

  @Test func noColorTurnsColoursOffOnATerminal() throws {
    let h = try CLIHarness(manifest: demoManifest)
    defer { h.cleanup() }
    let (_, shown) = try onTerminal(h, "plan", input: "", env: "NO_COLOR=1")
    #expect(shown.contains("+ directory/site (not present on the host)"))
    #expect(!shown.contains("\u{1B}["))
  }

  @Test func historyAndStatusCarryTheGitRevision() throws {
    let h = try CLIHarness(manifest: demoManifest)
    defer { h.cleanup() }
    let git = { (args: [String]) throws -> String in
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
      p.arguments = ["-C", h.manifests, "-c", "user.name=t", "-c", "user.email=t@t"] + args
      let out = Pipe()
      p.standardOutput = out
      try p.run()
      let d = out.fileHandleForReading.readDataToEndOfFile()
      p.waitUntilExit()
      return String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    _ = try git(["init", "-q"])
    _ = try git(["add", "-A"])
    _ = try git(["commit", "-qm", "manifests"])
    let rev = try git(["rev-parse", "HEAD"])
    #expect(rev.count == 40)
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    let history = h.read("\(h.state)/history.jsonl") ?? ""
    #expect(history.contains("\"revision\":\"\(rev)\""))
    let entry = try JSONSerialization.jsonObject(with: Data(history.split(separator: "\n")[0].utf8)) as! [String: Any]
    let steps = entry["steps"] as! [[String: Any]]
    #expect(steps.map { $0["address"] as! String }.sorted() == ["directory/site", "file/motd"])
    #expect(steps.allSatisfy { $0["outcome"] as? String == "succeeded" && $0["seconds"] is Double })
    #expect(entry["user"] as? String == "root" && (entry["manifestDigest"] as? String)?.count == 64)
    #expect(try h.run(["status"]).stdout.contains("from git \(rev.prefix(12))"))
  }
}
