import Foundation
import Testing

/// plan/apply end to end on the real filesystem.
@Suite struct ApplyTests {
  @Test func theIssueManifestAppliesAndIsIdempotent() throws {
    let h = try CLIHarness(manifest: demoManifest)
    defer { h.cleanup() }
    #expect(try h.run(["validate"]).stdout == "The manifests are valid: 2 resources in 1 file.\n")
    let first = try h.run(["plan", "--detailed-exitcode"])
    #expect(first.status == 2)
    #expect(first.stdout.hasSuffix("Plan: 2 to add, 0 to change, 0 to replace, 0 to destroy.\n"))
    let apply = try h.run(["apply", "--auto-approve"])
    #expect(apply.status == 0, "\(apply.all)")
    #expect(apply.stdout.contains("Apply complete: 2 added, 0 changed, 0 replaced, 0 destroyed in "))
    #expect(h.read("\(h.host)/site/motd") == "hello\n")
    #expect(h.mode("\(h.host)/site/motd") == "0644")
    #expect(h.mode("\(h.host)/site") == "0755")
    let again = try h.run(["plan", "--detailed-exitcode"])
    #expect(again.status == 0)
    #expect(again.stdout == "No changes. The host matches the manifests.\n")
    let second = try h.run(["apply", "--auto-approve"])
    #expect(second.status == 0 && second.stdout == "No changes. The host matches the manifests.\n")
    #expect(try h.run(["drift"]).status == 0)
  }

  @Test func applyWithoutATerminalNeedsAutoApprove() throws {
    let h = try CLIHarness(manifest: demoManifest)
    defer { h.cleanup() }
    let r = try h.run(["apply"])
    #expect(r.status == 1)
    #expect(r.stderr == "error: apply needs confirmation, but standard input is not a terminal: review the plan and run again with --auto-approve\n")
    #expect(!h.exists("\(h.host)/site"))
  }

  @Test func anInvalidManifestChangesNothing() throws {
    let h = try CLIHarness(manifest: demoManifest)
    defer { h.cleanup() }
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "x", "path": "HOST/x", "contnet": "y" } ] }"#, name: "broken")
    let r = try h.run(["apply", "--auto-approve"])
    #expect(r.status == 1)
    #expect(r.stderr.contains("unknown key 'contnet' (did you mean 'content'?)"))
    #expect(r.stderr.hasPrefix("error: the manifests have 2 errors:\n"))
    #expect(!h.exists("\(h.host)/site"))
    #expect(!h.exists("\(h.state)/state.json"))
  }

  @Test func pruneDestroysWhatLeftTheManifestsAndNothingElse() throws {
    let h = try CLIHarness.applied(demoManifest)
    defer { h.cleanup() }
    try "mine".write(toFile: "\(h.host)/unmanaged", atomically: true, encoding: .utf8)
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "directory", "name": "site", "path": "HOST/site", "mode": "0755" } ] }"#)
    let plan = try h.run(["plan"])
    #expect(plan.stdout.contains("  - file/motd (no longer in the manifests)\n"))
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    #expect(!h.exists("\(h.host)/site/motd"))
    #expect(h.read("\(h.host)/unmanaged") == "mine")
    #expect(try h.run(["plan", "--detailed-exitcode"]).status == 0)
  }

  @Test func aFailedStepSkipsItsDependentsAndTheOthersFinish() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    // A missing parent is created now; a parent that is a file is a failure no apply can get past.
    try "not a directory".write(toFile: "\(h.host)/blocker", atomically: true, encoding: .utf8)
    try h.manifest(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "directory", "name": "deep", "path": "HOST/blocker/deep" },
        { "kind": "file", "name": "inside", "path": "HOST/blocker/deep/f", "content": "x", "dependsOn": ["directory/deep"] },
        { "kind": "file", "name": "ok", "path": "HOST/ok", "content": "fine\\n" } ] }
      """)
    let r = try h.run(["apply", "--auto-approve"])
    #expect(r.status == 1)
    #expect(r.stdout.contains("directory/deep: failed after "))
    #expect(r.stdout.contains("could not create directory/deep: mkdir '\(h.host)/blocker/deep': Not a directory"), "\(r.all)")
    #expect(r.stdout.contains("file/inside: skipped: directory/deep did not succeed\n"))
    #expect(r.stdout.contains("Apply failed: 1 added, 0 changed, 0 replaced, 0 destroyed; 1 failed, 1 skipped"))
    #expect(h.read("\(h.host)/ok") == "fine\n")
    let state = h.read("\(h.state)/state.json") ?? ""
    #expect(state.contains("\"file/ok\"") && !state.contains("\"file/inside\""))
    let history = h.read("\(h.state)/history.jsonl") ?? ""
    #expect(history.contains("\"outcome\":\"failed\"") && history.contains("\"outcome\":\"skipped\""))
    try FileManager.default.removeItem(atPath: "\(h.host)/blocker")
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    #expect(try h.run(["plan", "--detailed-exitcode"]).status == 0)
  }

  @Test func aNonEmptyDirectoryIsNotDestroyed() throws {
    let h = try CLIHarness.applied(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "directory", "name": "d", "path": "HOST/d" } ] }"#)
    defer { h.cleanup() }
    try "keep".write(toFile: "\(h.host)/d/user-file", atomically: true, encoding: .utf8)
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
    let r = try h.run(["apply", "--auto-approve"])
    #expect(r.status == 1)
    #expect(r.stdout.contains("could not destroy directory/d: '\(h.host)/d' is not empty (it holds 1 entries reconcile does not manage)"))
    #expect(h.read("\(h.host)/d/user-file") == "keep")
  }

  @Test func targetAndExcludeNarrowThePlan() throws {
    let h = try CLIHarness(manifest: demoManifest)
    defer { h.cleanup() }
    #expect(try h.run(["plan", "--target", "directory/site"]).stdout.hasSuffix("Plan: 1 to add, 0 to change, 0 to replace, 0 to destroy.\n"))
    #expect(try h.run(["plan", "--exclude", "directory/site"]).stdout == "No changes. The host matches the manifests.\n")
    let bad = try h.run(["plan", "--target", "file/mtod"])
    #expect(bad.stderr == "error: --target: 'file/mtod' is neither in the manifests nor in the state (did you mean 'file/motd'?)\n")
    #expect(try h.run(["apply", "--auto-approve", "--target", "file/motd"]).status == 0)
    #expect(h.read("\(h.host)/site/motd") == "hello\n")
  }

  @Test func templatesFromTheTemplatesDirectoryWithPartials() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try FileManager.default.createDirectory(atPath: "\(h.manifests)/templates", withIntermediateDirectories: true)
    try "Welcome to {{host}}.\n{{#users}}\n- {{.}}\n{{/users}}\n{{> footer}}\n".write(toFile: "\(h.manifests)/templates/motd.mustache", atomically: true, encoding: .utf8)
    try "-- managed by reconcile\n".write(toFile: "\(h.manifests)/templates/footer.mustache", atomically: true, encoding: .utf8)
    try h.manifest(
      #"{ "apiVersion": "reconcile/v1", "variables": { "host": "web1" }, "resources": [ { "kind": "file", "name": "motd", "path": "HOST/motd", "template": { "name": "motd", "vars": { "host": "${var.host}", "users": ["ann", "bob"] } } } ] }"#
    )
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    #expect(h.read("\(h.host)/motd") == "Welcome to web1.\n- ann\n- bob\n-- managed by reconcile\n")
    try "{{#x}}\nbroken".write(toFile: "\(h.manifests)/templates/footer.mustache", atomically: true, encoding: .utf8)
    let r = try h.run(["plan"])
    #expect(r.status == 1)
    #expect(r.stderr.contains("template: \(h.manifests)/templates/footer.mustache:1: section 'x' is never closed"))
  }
}
