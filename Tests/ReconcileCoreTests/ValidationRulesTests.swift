import Foundation
import Testing

@testable import ReconcileCore

/// Manifests that validate must apply: what used to pass `validate` and fail half-way through `apply`.
@Suite struct ValidationRulesTests {
  static func manifest(_ resources: String) -> String { #"{ "apiVersion": "reconcile/v1", "resources": [ \#(resources) ] }"# }

  @Test func aPathClaimedTwiceIsAnError() {
    let found = issues(Self.manifest(#"{ "kind": "directory", "name": "d", "path": "/srv/x" }, { "kind": "file", "name": "f", "path": "/srv/x/", "content": "x" }"#))
    #expect(found == ["m.json: resources[1] 'file/f': path: '/srv/x' is also claimed by directory/d (m.json resources[0]); one path, one resource"])
  }

  @Test func aFileBelowADeclaredDirectoryWaitsForIt() throws {
    // Declared in the "wrong" order and without dependsOn: the nearest declared directory above each comes first.
    let m = try decode(
      Self.manifest(
        #"{ "kind": "file", "name": "f", "path": "/srv/a/b/f", "content": "x" }, { "kind": "directory", "name": "b", "path": "/srv/a/b" }, { "kind": "directory", "name": "a", "path": "/srv/a" }"#
      ))
    #expect(m[ResourceID(kind: "file", name: "f")]?.dependsOn == [ResourceID(kind: "directory", name: "b")])
    #expect(m[ResourceID(kind: "directory", name: "b")]?.dependsOn == [ResourceID(kind: "directory", name: "a")])
    #expect(m.resources.map(\.id.description) == ["directory/a", "directory/b", "file/f"])
  }

  /// Neighbours in one directory share the lookup of their parent; a different parent in between, a file beside the
  /// directory, and one at the top each get their own.
  @Test func filesSideBySideAndApartEachWaitForTheirNearestDirectory() throws {
    let files = [("a1", "/srv/a/x"), ("a2", "/srv/a/y"), ("b", "/srv/b/z"), ("a3", "/srv/a/w"), ("s", "/srv/v"), ("top", "/t"), ("a4", "/srv/a/u")]
    let declared = files.map { #"{ "kind": "file", "name": "\#($0.0)", "path": "\#($0.1)", "content": "x" }"# }
    let m = try decode(
      Self.manifest(
        (declared + [#"{ "kind": "directory", "name": "a", "path": "/srv/a" }"#, #"{ "kind": "directory", "name": "srv", "path": "/srv" }"#])
          .joined(separator: ", ")))
    let waits = files.map { m[ResourceID(kind: "file", name: $0.0)]?.dependsOn.map(\.name) ?? ["?"] }
    #expect(waits == [["a"], ["a"], ["srv"], ["a"], ["srv"], [], ["a"]])
  }

  static let engineRefusals: [(String, String)] = [
    (#""stopSignal": "SIGFOO""#, "stopSignal: expected a signal name like \"SIGTERM\" or \"SIGQUIT\", got 'SIGFOO'"),
    (#""stopSignal": "99""#, "stopSignal: expected a signal name like \"SIGTERM\" or \"SIGQUIT\", got '99'"),
    (#""capDrop": ["NET_RAWW"]"#, "capDrop[0]: expected a Linux capability like \"NET_RAW\" or \"ALL\", got 'NET_RAWW'"),
    (#""user": "app user""#, "user: expected a user name or uid, optionally with ':' and a group name or gid (like \"app\" or \"1000:1000\"), got 'app user'"),
    (#""user": "1000:""#, "user: expected a user name or uid, optionally with ':' and a group name or gid (like \"app\" or \"1000:1000\"), got '1000:'"),
    (
      #""log": { "driver": "jsonfile" }"#,
      "log.driver: expected one of 'awslogs', 'fluentd', 'gcplogs', 'gelf', 'journald', 'json-file', 'local', 'logentries', 'none', 'splunk', 'syslog', got 'jsonfile'"
    ),
    (
      #""log": { "driver": "json-file", "options": { "max-sizee": "10m" } }"#,
      "log.options.max-sizee: the json-file log driver has no option 'max-sizee'; it takes compress, env, env-regex, labels, labels-regex, max-file, max-size, tag"
    ),
    (#""log": { "driver": "local", "options": { "max-size": "ten" } }"#, "log.options.max-size: expected a size like \"10m\", got 'ten'"),
    (#""log": { "driver": "local", "options": { "max-file": "0" } }"#, "log.options.max-file: expected a whole number of files, at least 1, got '0'"),
  ]

  @Test(arguments: engineRefusals.indices) func valuesTheEngineRefusesAreRefusedAtValidation(_ i: Int) {
    let (field, message) = Self.engineRefusals[i]
    let found = issues(Self.manifest(#"{ "kind": "container", "name": "c", "image": "local/busybox:1", \#(field) }"#))
    #expect(found == ["m.json: resources[0] 'container/c': \(message)"])
  }

  @Test func valuesTheEngineTakesStillPass() {
    let ok =
      #""stopSignal": "SIGRTMIN+3", "capDrop": ["cap_net_raw", "ALL"], "user": "app:staff", "log": { "driver": "json-file", "options": { "max-size": "10m", "max-file": "3" } }"#
    #expect(issues(Self.manifest(#"{ "kind": "container", "name": "c", "image": "local/busybox:1", \#(ok) }"#)).isEmpty)
  }

  @Test func aProjectNameIsDeclaredOnceAndPlain() throws {
    let m = try decode(#"{ "apiVersion": "reconcile/v1", "project": "shop-prod", "resources": [] }"#)
    #expect(m.project == "shop-prod")
    #expect(
      issues(#"{ "apiVersion": "reconcile/v1", "project": "Shop Prod", "resources": [] }"#) == [
        "m.json: project: expected lower-case letters, digits, '-' or '_' (starting with a letter or digit, at most 40), got 'Shop Prod'"
      ])
    #expect(Project.resolve(declared: nil, lineage: "0123456789abcdef") == "lineage-0123456789ab")
    #expect(Project.resolve(declared: "shop", lineage: "0123456789abcdef") == "shop")
    #expect(Project.resolve(declared: nil, lineage: "") == nil)
  }
}
