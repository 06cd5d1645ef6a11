import Foundation
import Testing
import TestSupport

/// `apply --json`: stdout is nothing but JSON events (plan, each step started and finished, summary) and everything
/// for people goes to stderr; secrets stay out of both.
@Suite struct ApplyEventsTests {
  @Test func stdoutCarriesOnlyEvents() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try "TOKEN=s3cr3t-value-991\n".write(toFile: "\(h.manifests)/.env", atomically: true, encoding: .utf8)
    try h.manifest(
      #"""
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "directory", "name": "site", "path": "HOST/site", "mode": "0755" },
        { "kind": "file", "name": "token", "path": "HOST/site/token", "content": "${secret.TOKEN}", "mode": "0600", "dependsOn": ["directory/site"] } ] }
      """#)
    #expect(try h.run(["apply", "--json"]).all.contains("apply --json asks nothing: add --auto-approve"))
    let r = try h.run(["apply", "--auto-approve", "--json"])
    #expect(r.status == 0, "\(r.all)")
    let events = try r.stdout.split(separator: "\n").map { line in
      try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
    }
    #expect(events.map { $0["event"] as? String ?? "" } == ["plan", "started", "finished", "started", "finished", "summary"], "\(r.stdout)")
    #expect(((events[0]["plan"] as? [String: Any])?["resourceChanges"] as? [Any])?.count == 2, "the plan as plan --json writes it")
    #expect(events[2]["address"] as? String == "directory/site" && events[2]["outcome"] as? String == "succeeded")
    let summary = events[5]
    #expect(summary["added"] as? Int == 2 && summary["failed"] as? Int == 0)
    #expect(r.stderr.contains("+ file/token (not present on the host)") && r.stderr.contains("Apply complete: 2 added"), "people read stderr: \(r.stderr)")
    #expect(!r.all.contains("s3cr3t-value-991"))
  }
}
