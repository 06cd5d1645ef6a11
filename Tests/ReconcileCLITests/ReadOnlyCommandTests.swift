import Foundation
import Testing

/// Commands that only look write nothing: no state directory, no key; and a state that cannot be read points at a
/// previous version only when there is one.
@Suite struct ReadOnlyCommandTests {
  @Test func validatePlanAndStatusCreateNothing() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(demoManifest)
    for command in [["validate"], ["plan"], ["status"]] {
      let r = try h.run(command)
      #expect(r.status == 0, "\(command): \(r.all)")
    }
    #expect(!h.exists(h.state), "a read-only command created the state directory")
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    #expect(h.exists(h.state + "/secret-hash.key"))
    #expect(h.mode(h.state) == "0700")
  }

  @Test func aCorruptStateNamesThePreviousVersionOnlyWhenItExists() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(demoManifest)
    try FileManager.default.createDirectory(atPath: h.state, withIntermediateDirectories: true)
    try "{ not json".write(toFile: h.state + "/state.json", atomically: true, encoding: .utf8)
    let alone = try h.run(["plan"])
    #expect(alone.status == 1 && alone.stderr.contains("is corrupted") && alone.stderr.contains("There is no previous version"), "\(alone.all)")
    #expect(!alone.stderr.contains("state.json.previous"))
    try "{}".write(toFile: h.state + "/state.json.previous", atomically: true, encoding: .utf8)
    let withPrevious = try h.run(["plan"])
    #expect(withPrevious.stderr.contains("The previous version is kept in '\(h.state)/state.json.previous'"), "\(withPrevious.all)")
  }
}

/// A directory whose parents do not exist is made with them (`mkdir -p`), and the plan says so.
@Suite struct DirectoryParentsTests {
  @Test func missingParentsAreCreatedAndThePlanSaysSo() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(demoManifest.replacingOccurrences(of: "HOST/site", with: "HOST/demo/nested/site"))
    let plan = try h.run(["plan"])
    #expect(plan.stdout.contains("+ directory/site (not present on the host; its missing parent directories are created, from '\(h.host)/demo' down)"), "\(plan.all)")
    let apply = try h.run(["apply", "--auto-approve"])
    #expect(apply.status == 0, "\(apply.all)")
    #expect(h.read(h.host + "/demo/nested/site/motd") == "hello\n")
    #expect(h.mode(h.host + "/demo") == "0755")
    #expect(try h.run(["plan"]).stdout.contains("No changes."))
  }
}
