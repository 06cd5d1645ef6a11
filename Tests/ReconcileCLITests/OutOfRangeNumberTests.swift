import Foundation
import Testing

/// Out-of-range numbers through the real binary: every command that reads manifests answers with exit 1 and an
/// error naming the file and the field, never a signal, and an apply changes nothing.
@Suite struct OutOfRangeNumberTests {
  static let cases: [(field: String, resource: String)] = [
    ("pidsLimit", #"{ "kind": "container", "name": "c", "image": "local/busybox:1", "pidsLimit": 1e19 }"#),
    ("cpus", #"{ "kind": "container", "name": "c", "image": "local/busybox:1", "cpus": 1e19 }"#),
    ("memory", #"{ "kind": "container", "name": "c", "image": "local/busybox:1", "memory": "99999999999999999999g" }"#),
    ("memory", #"{ "kind": "container", "name": "c", "image": "local/busybox:1", "memory": 1e19 }"#),
    ("stopTimeout", #"{ "kind": "container", "name": "c", "image": "local/busybox:1", "stopTimeout": 1e19 }"#),
    ("healthcheck.retries", #"{ "kind": "container", "name": "c", "image": "local/busybox:1", "healthcheck": { "command": ["true"], "retries": 1e19 } }"#),
    ("healthcheck.interval", #"{ "kind": "container", "name": "c", "image": "local/busybox:1", "healthcheck": { "command": ["true"], "interval": "1e19s" } }"#),
    ("keep.daily", #"{ "kind": "backup", "name": "b", "sources": [ { "path": "HOST/x" } ], "destination": "HOST/b", "schedule": "@daily", "keep": { "daily": 1e19 } }"#),
    ("timeout", #"{ "kind": "job", "name": "j", "schedule": "@daily", "command": "true", "timeout": "99999999999999999999s" }"#),
    (
      "renewBefore",
      #"{ "kind": "certificate", "name": "t", "domains": ["a.example"], "directory": "HOST/c", "renewBefore": "99999999999999999999d", "issuer": { "type": "self-signed" } }"#
    ),
    ("issuer.days", #"{ "kind": "certificate", "name": "t", "domains": ["a.example"], "directory": "HOST/c", "issuer": { "type": "self-signed", "days": 1e19 } }"#),
    (
      "rateLimit.burst",
      #"{ "kind": "site", "name": "s", "prefix": "HOST/nginx", "serverNames": ["a.example"], "listen": "127.0.0.1:18081", "root": "HOST/www", "rateLimit": { "rate": "1r/s", "burst": 1e19 } }"#
    ),
  ]

  @Test(arguments: cases.indices)
  func anOutOfRangeNumberIsAnErrorNamingItsField(_ i: Int) throws {
    let (field, resource) = Self.cases[i]
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [ \#(resource) ] }"#)
    for command in [["validate"], ["plan"], ["apply", "--auto-approve"]] {
      let r = try h.run(command)
      #expect(r.status == 1, "\(command) \(field): exit \(r.status)\n\(r.stdout)\(r.stderr)")
      #expect(r.stderr.contains("main.json: resources[0]") && r.stderr.contains("\(field):"), "\(command) \(field):\n\(r.stderr)")
    }
    #expect(!h.exists(h.state + "/state.json"), "nothing is recorded")
    #expect((try? FileManager.default.contentsOfDirectory(atPath: h.host)) == [], "nothing is created")
  }

  @Test func outOfRangeOptionsAreErrorsToo() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(demoManifest)
    for option in [["--parallelism", "99999999999999999999"], ["--lock-timeout", "1e19"], ["--lock-timeout", "-5s"]] {
      let r = try h.run(["apply", "--auto-approve"] + option)
      #expect(r.status == 1 && r.stderr.contains(option[0]), "\(option): exit \(r.status) \(r.stderr)")
    }
  }
}
