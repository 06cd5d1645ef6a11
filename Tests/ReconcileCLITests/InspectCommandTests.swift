import Foundation
import Testing
import TestSupport

/// `status --json` and `--detailed-exitcode`, `validate --json`, `show`, `graph` and `destroy`, against real files
/// and the real Engine, with golden texts for what they print.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct InspectCommandTests {
  static let files = #"""
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "directory", "name": "www", "path": "HOST/www" },
      { "kind": "file", "name": "index", "path": "HOST/www/index.html", "content": "hello\n", "mode": "0644", "dependsOn": ["directory/www"] } ] }
    """#

  /// Dates and the sandbox's paths out of a text, for golden comparisons.
  static func stable(_ text: String, _ h: CLIHarness) -> String {
    text.replacingOccurrences(of: h.root, with: "ROOT").replacing(#/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/#, with: "DATE")
      .replacing(#/in \d+\.\d\ds/#, with: "in N.NNs")
  }

  @Test func statusAndValidateSpeakJSONAndExitCodes() throws {
    let h = try CLIHarness(manifest: Self.files)
    defer { h.cleanup() }
    var r = try h.run(["status", "--detailed-exitcode"])
    #expect(r.status == 2, "not applied yet: \(r.all)")
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    r = try h.run(["status", "--detailed-exitcode", "--json"])
    #expect(r.status == 0, "\(r.all)")
    var doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect(doc["inSync"] as? Bool == true && (doc["resources"] as? [[String: Any]])?.map { $0["sync"] as? String } == ["in-sync", "in-sync"])
    try "changed\n".write(toFile: h.host + "/www/index.html", atomically: true, encoding: .utf8)
    r = try h.run(["status", "--detailed-exitcode", "--json"])
    #expect(r.status == 2)
    doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let index = (doc["resources"] as? [[String: Any]])?.first { $0["address"] as? String == "file/index" }
    #expect(doc["inSync"] as? Bool == false && index?["sync"] as? String == "changed", "\(r.stdout)")

    #expect(try h.run(["validate", "--json"]).stdout == "{\n  \"files\" : 1,\n  \"resources\" : 2,\n  \"valid\" : true\n}\n")
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "x", "mode": "777" } ] }"#, name: "bad")
    r = try h.run(["validate", "--json"])
    #expect(r.status == 1)
    doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let errors = (doc["errors"] as? [[String: Any]]) ?? []
    #expect(doc["valid"] as? Bool == false && errors.contains { $0["path"] as? String == "path" && ($0["file"] as? String ?? "").hasSuffix("bad.json") }, "\(r.stdout)")
  }

  @Test func showTellsOneResourceWholeAndGraphDrawsThemAll() throws {
    let h = try CLIHarness(manifest: Self.files)
    defer { h.cleanup() }
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    try "changed\n".write(toFile: h.host + "/www/index.html", atomically: true, encoding: .utf8)
    let show = try h.run(["show", "file/index"])
    #expect(show.status == 0, "\(show.all)")
    #expect(
      Self.stable(show.stdout, h) == """
        file/index
          declared in ROOT/manifests/main.json (resources[1])
          depends on directory/www

        Desired:
          content = (6 bytes, sha256:5891b5b522d5…)
          mode = "0644"

        Observed: present
          content = (8 bytes, sha256:7f8b1dfc466b…)  (differs)
          mode = "0644"
          type=file

        Last applied: DATE (the manifests still ask for the same)

        Plan:
          ~ file/index (content changed)
              content:
                  @@ -1,1 +1,1 @@
                  -changed
                  +hello

        History (last 1):
          DATE reconcile apply: create succeeded in N.NNs

        """, "\(show.stdout)")
    #expect(try h.run(["show", "file/nothing"]).all.contains("file/nothing is neither declared in the manifests"))

    let graph = try h.run(["graph"])
    #expect(
      graph.stdout == """
        digraph reconcile {
          rankdir=LR;
          node [shape=box, style="rounded,filled", fontname="sans-serif", fontsize=11];
          edge [color="#607d8b"];
          "directory/www" [fillcolor="#c8e6c9", tooltip="in sync", label="directory/www\\nin sync"];
          "file/index" [fillcolor="#ffe0b2", tooltip="content changed", label="file/index\\nto change"];
          "file/index" -> "directory/www";
        }

        """, "\(graph.stdout)")
    let svg = try h.run(["graph", "--format", "svg"])
    #expect(svg.status == 0 && svg.stdout.contains("<svg") && svg.stdout.contains("file/index"), "\(svg.all)")
  }

  /// Everything recorded goes, objects of others stay; the volume stays unless asked.
  @Test func destroyRemovesWhatIsManagedAndKeepsVolumes() throws {
    let name = ControllerDockerTests.unique("destroy")
    let h = try CLIHarness(
      manifest: #"""
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "volume", "name": "\#(name)-data" },
          { "kind": "container", "name": "\#(name)", "image": "local/busybox:1", "command": ["sleep", "3600"], "init": true, "stopTimeout": "1s",
            "labels": { "io.reconcile.test": "1" }, "mounts": [{ "volume": "volume/\#(name)-data", "target": "/data" }] },
          { "kind": "file", "name": "note", "path": "HOST/note", "content": "x\n" } ] }
        """#)
    defer {
      TestEngine.docker(["rm", "-f", name, name + "-other"])
      TestEngine.docker(["volume", "rm", "-f", name + "-data"])
      h.cleanup()
    }
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    TestEngine.docker(["run", "-d", "--name", name + "-other", "--label", "io.reconcile.test=1", "local/busybox:1", "sleep", "3600"])
    let refused = try h.run(["destroy"])
    #expect(refused.status == 1 && refused.stderr.contains("destroy needs confirmation"), "\(refused.all)")
    #expect(TestEngine.state(name) == "running", "nothing changed without confirmation")
    let r = try h.run(["destroy", "--auto-approve"])
    #expect(r.status == 0, "\(r.all)")
    #expect(
      r.stdout.hasPrefix(
        """
        reconcile will perform these actions:

          - file/note (reconcile destroy)

          - container/\(name) (reconcile destroy)

          # volume/\(name)-data is kept: volumes hold data, so they are kept; --prune-volumes removes them

        Plan: 0 to add, 0 to change, 0 to replace, 2 to destroy.
        """), "\(r.stdout)")
    #expect(TestEngine.docker(["inspect", name]).0 != 0 && !FileManager.default.fileExists(atPath: h.host + "/note"))
    #expect(TestEngine.docker(["volume", "inspect", name + "-data"]).0 == 0, "the volume is kept")
    #expect(TestEngine.state(name + "-other") == "running", "another's container is not touched")
    let pruned = try h.run(["destroy", "--auto-approve", "--prune-volumes"])
    #expect(pruned.status == 0 && pruned.stdout.contains("- volume/\(name)-data (reconcile destroy)"), "\(pruned.all)")
    #expect(TestEngine.docker(["volume", "inspect", name + "-data"]).0 != 0)
    #expect(try h.run(["destroy", "--auto-approve"]).stdout.contains("No changes."))
  }
}
