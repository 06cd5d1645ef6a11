import Testing
@testable import ReconcileCore

/// Manifest errors, pinned as text: file, JSON path, what was expected, what was found.
@Suite struct ManifestErrorTests {
  static func wrap(_ resources: String) -> String { #"{ "apiVersion": "reconcile/v1", "resources": [ \#(resources) ] }"# }

  static let cases: [(String, [String])] = [
    (
      wrap(#"{ "kind": "file", "name": "a", "path": "/tmp/a", "contnet": "x" }"#),
      [
        "m.json: resources[0] 'file/a': unknown key 'contnet' (did you mean 'content'?)",
        "m.json: resources[0] 'file/a': expected 'content' or 'template' (or \"ensure\": \"absent\")",
      ]
    ),
    (
      wrap(#"{ "kind": "fiel", "name": "a" }"#),
      [
        "m.json: resources[0]: kind: unknown kind 'fiel' (did you mean 'file'?); known kinds: "
          + "backup, certificate, container, directory, file, group, image, job, network, node, service, site, unit, user, volume"
      ]
    ),
    (
      wrap(#"{ "kind": "file", "name": "a", "path": "tmp/a", "content": "x", "mode": "644x" }"#),
      [
        "m.json: resources[0] 'file/a': mode: expected an octal mode like \"0644\", got '644x'",
        "m.json: resources[0] 'file/a': path: expected an absolute path without '..', got 'tmp/a'",
      ]
    ),
    (
      wrap(#"{ "kind": "file", "name": "a b", "path": "/a", "content": "x" }"#),
      ["m.json: resources[0]: name: expected letters, digits, '.', '_' or '-' (starting with a letter or digit), got 'a b'"]
    ),
    (
      wrap(#"{ "kind": "file", "path": "/a", "content": 3 }"#),
      ["m.json: resources[0]: name: is required"]
    ),
    (
      wrap(#"{ "kind": "directory", "name": "d", "path": "/d", "dependsOn": ["directory/e", "nope"] }"#),
      [
        "m.json: resources[0] 'directory/d': dependsOn[1]: expected \"kind/name\", got 'nope'",
        "m.json: resources[0] 'directory/d': dependsOn: depends on 'directory/e', which is not declared",
      ]
    ),
    (
      wrap(#"{ "kind": "directory", "name": "d", "path": "/d", "dependsOn": ["directory/dd"] }, { "kind": "directory", "name": "de", "path": "/e" }"#),
      ["m.json: resources[0] 'directory/d': dependsOn: depends on 'directory/dd', which is not declared (did you mean 'directory/de'?)"]
    ),
    (
      wrap(#"{ "kind": "directory", "name": "a", "path": "/a", "dependsOn": ["directory/b"] }, { "kind": "directory", "name": "b", "path": "/b", "dependsOn": ["directory/a"] }"#),
      ["m.json: resources[0] 'directory/a': dependency cycle: directory/a -> directory/b -> directory/a"]
    ),
    (
      wrap(#"{ "kind": "file", "name": "a", "path": "/a", "content": "${secret.NOPE} ${var.nme}" }"#),
      ["m.json: resources[0]: content: secret 'NOPE' is not set (looked in the given values)", "m.json: resources[0]: content: variable 'nme' is not defined"]
    ),
    (
      wrap(#"{ "kind": "file", "name": "a", "path": "/${secret.P}", "content": "x" }"#),
      ["m.json: resources[0] 'file/a': path: secrets are not allowed here"]
    ),
    (
      wrap(#"{ "kind": "file", "name": "a", "path": "/a", "content": "x", "ensure": "gone" }"#),
      ["m.json: resources[0] 'file/a': ensure: expected one of 'present', 'absent', got 'gone'"]
    ),
    (
      #"{ "apiVersion": "reconcile/v2", "resources": [], "extra": 1 }"#,
      ["m.json: apiVersion: expected 'reconcile/v1', got 'reconcile/v2'", "m.json: unknown key 'extra'"]
    ),
    (#"{ "apiVersion": "reconcile/v1", "resources": { } }"#, ["m.json: resources: expected a list of resources, got an object"]),
    (
      wrap(
        #"{ "kind": "container", "name": "db", "image": "x:1" }, { "kind": "file", "name": "f", "path": "/f", "content": "x" },"#
          + #" { "kind": "container", "name": "api", "image": "x:1", "dependsOn": [ { "resource": "container/db", "condition": "healthy" },"#
          + #" { "resource": "file/f", "condition": "healthy" }, { "resource": "container/db", "condition": "done" }, { "condition": "started" }, 3 ] }"#),
      [
        "m.json: resources[2] 'container/api': dependsOn: 'container/db' has no healthcheck, so it cannot be waited for as healthy (give it one, or drop \"condition\": \"healthy\")",
        "m.json: resources[2] 'container/api': dependsOn: condition 'healthy' is for containers; 'file/f' is not one",
        "m.json: resources[2] 'container/api': dependsOn[2].condition: expected one of 'started', 'healthy', got 'done'",
        "m.json: resources[2] 'container/api': dependsOn[3].resource: is required",
        "m.json: resources[2] 'container/api': dependsOn[4]: expected \"kind/name\" or { \"resource\": …, \"condition\": … }, got a number",
      ]
    ),
    (
      #"{ "apiVersion": "reconcile/v1", "policy": { "keepGenerations": 0, "rollbackOnFailure": "yes" }, "resources": [],"#
        + #" "verify": [ { "http": "ftp://x/", "expect": 1000, "within": "soon", "extra": 1 }, { "expect": 200 } ] }"#,
      [
        "m.json: policy.keepGenerations: expected a whole number in 1...100, got 0",
        "m.json: policy.rollbackOnFailure: expected true or false, got 'yes'",
        "m.json: verify[0].http: expected an http:// or https:// URL, got 'ftp://x/'",
        "m.json: verify[0].expect: expected a whole number in 100...599, got 1000",
        "m.json: verify[0].within: expected a duration like \"30s\", \"5m\" or \"1h30m\", got 'soon'",
        "m.json: verify[0]: unknown key 'extra'",
        "m.json: verify[1].http: is required",
      ]
    ),
    (#"[1, 2]"#, ["m.json: expected a JSON object with 'apiVersion' and 'resources', got a list"]),
    (
      wrap(#"{ "kind": "file", "name": "a", "path": "/a", "template": "missing.mustache" }"#),
      ["m.json: resources[0] 'file/a': template: template 'missing.mustache' was not found in the templates directories"]
    ),
  ]

  /// Checks after an apply take variables like every other value (found by running the bundled stack: the port stayed
  /// `${var.julesPort}` in the URL).
  @Test func verifyChecksResolveVariables() throws {
    let m = try decode(
      #"{ "apiVersion": "reconcile/v1", "variables": { "port": "3001" }, "resources": [], "verify": [ { "http": "http://127.0.0.1:${var.port}/healthz", "within": "5s" } ] }"#
    )
    #expect(m.release.verify == [VerifyCheck(url: "http://127.0.0.1:3001/healthz", expect: 200, within: 5, ca: nil)])
  }

  @Test(arguments: 0..<cases.count) func pinnedText(_ i: Int) {
    let (json, expected) = Self.cases[i]
    #expect(issues(json, secrets: ["P": "secretpath"]).sorted() == expected.sorted())
  }

  @Test func invalidJSONNamesTheFile() {
    let found = issues("{ \"apiVersion\": ")
    #expect(found.count == 1)
    #expect(found[0].hasPrefix("m.json: not valid JSON: "))
  }

  @Test func duplicateAcrossFilesNamesBoth() {
    let r = #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "directory", "name": "d", "path": "/d" } ] }"#
    do {
      _ = try decode([("a.json", r), ("b.json", r)])
      Issue.record("expected an error")
    } catch {
      #expect(error.issues.map(\.description) == ["b.json: resources[0] 'directory/d': 'directory/d' is declared twice: in a.json resources[0] and in b.json resources[0]"])
    }
  }

  /// A long list decodes on every core; its issues still come in declaration order, each resource's own in the
  /// order its decoder found them, and a name declared twice is reported at the second declaration.
  @Test func aLongListReportsItsIssuesInDeclarationOrder() {
    var items = (0..<600).map { #"{ "kind": "directory", "name": "d\#($0)", "path": "/srv/d\#($0)" }"# }
    items[7] = #"{ "kind": "directory", "name": "d7", "path": "/srv/d7", "mode": "9", "own": 1 }"#
    items[301] = #"{ "kind": "directory", "name": "d3", "path": "/srv/other" }"#
    items[599] = #"{ "kind": "fiel", "name": "last" }"#
    let found = issues(Self.wrap(items.joined(separator: ", ")))
    #expect(found.count == 4, "\(found)")
    #expect(found.first?.hasPrefix("m.json: resources[7] 'directory/d7': ") == true, "\(found)")
    #expect(found.dropFirst().first?.hasPrefix("m.json: resources[7] 'directory/d7': ") == true, "\(found)")
    #expect(found.dropFirst(2).first?.hasPrefix("m.json: resources[301] 'directory/d3': 'directory/d3' is declared twice") == true, "\(found)")
    #expect(found.last?.hasPrefix("m.json: resources[599]: kind: unknown kind 'fiel'") == true, "\(found)")
  }

  @Test func allErrorsAreReportedAtOnce() {
    let json = Self.wrap(#"{ "kind": "file", "name": "a", "path": "x", "content": "x", "mod": "1" }, { "kind": "nope", "name": "b" }"#)
    #expect(issues(json).count == 3)
  }

  @Test func secretValuesNeverAppearInErrors() {
    let json = Self.wrap(#"{ "kind": "file", "name": "a", "path": "/a", "content": "x", "mode": "${secret.P}" }"#)
    let found = issues(json, secrets: ["P": "topsecretvalue"])
    #expect(found == ["m.json: resources[0] 'file/a': mode: secrets are not allowed here"])
  }
}
