import Foundation
import Testing
import TestSupport

/// `--environment`, `--var-file` and `--var`: values from outside the manifests, in a documented order; each
/// environment with its own state and its own project on a shared engine.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct EnvironmentTests {
  @Test func variablesComeFromTheEnvironmentThenFilesThenTheCommandLine() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(
      #"""
      { "apiVersion": "reconcile/v1", "variables": { "greeting": "hello", "who": "world", "dir": "HOST" },
        "resources": [ { "kind": "file", "name": "g", "path": "${var.dir}/greeting", "content": "${var.greeting} ${var.who}\n" } ] }
      """#)
    try FileManager.default.createDirectory(atPath: h.root + "/environments", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: h.host + "/staging", withIntermediateDirectories: true)
    try #"{ "greeting": "hi", "who": "staging", "dir": "\#(h.host)/staging" }"#.write(toFile: h.root + "/environments/staging.json", atomically: true, encoding: .utf8)
    try #"{ "who": 42 }"#.write(toFile: h.root + "/more.json", atomically: true, encoding: .utf8)

    // Run from the sandbox, as a user runs from a checkout: the states are state/ and state/staging there.
    func run(_ args: [String]) throws -> CLIHarness.Result { try h.run(args + ["--manifests", h.manifests], plain: true, in: h.root) }
    #expect(try run(["apply", "--auto-approve"]).status == 0)
    #expect(h.read(h.host + "/greeting") == "hello world\n")
    // The environment's file, then --var-file, then --var: the later wins.
    let staging = ["--environment", "staging", "--var-file", h.root + "/more.json", "--var", "greeting=hey"]
    let staged = try run(["apply", "--auto-approve"] + staging)
    #expect(staged.status == 0, "\(staged.all)")
    #expect(h.read(h.host + "/staging/greeting") == "hey 42\n")
    // Each has its state: the default one is untouched, and each is in sync with itself.
    #expect(h.exists(h.root + "/state/staging/state.json") && h.exists(h.root + "/state/state.json"))
    #expect(try run(["plan"]).stdout.contains("No changes."))
    #expect(try run(["plan"] + staging).stdout.contains("No changes."))

    let typo = try run(["plan", "--var", "gretting=x"])
    #expect(typo.status == 1 && typo.stderr.contains("--var: variable 'gretting' is not declared in the manifests' variables (did you mean 'greeting'?)"), "\(typo.all)")
    #expect(try run(["plan", "--environment", "prod"]).stderr.contains("the environment file '\(h.root)/environments/prod.json' does not exist"))
    #expect(try run(["plan", "--var", "novalue"]).stderr.contains("--var expects NAME=VALUE, got 'novalue'"))

    // A generation keeps the variables with the files: a release that changes only a variable is one, and rolling
    // back brings back the values it ran with.
    #expect(try run(["apply", "--auto-approve", "--var", "greeting=one"]).status == 0)
    #expect(try run(["apply", "--auto-approve", "--var", "greeting=two"]).status == 0)
    #expect(h.read(h.host + "/greeting") == "two world\n")
    let back = try run(["rollback", "--auto-approve"])
    #expect(back.status == 0 && back.stdout.contains("content changed"), "\(back.all)")
    #expect(h.read(h.host + "/greeting") == "one world\n")
  }

  /// A declared project is the environment's own (`shop-staging`): another environment's objects of the same name
  /// are not its own, and it does not take them.
  @Test func eachEnvironmentIsAProjectOfItsOwn() throws {
    let h = try CLIHarness()
    let volume = ControllerDockerTests.unique("envvol")
    defer {
      TestEngine.docker(["volume", "rm", "-f", volume])
      h.cleanup()
    }
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "project": "shop", "resources": [ { "kind": "volume", "name": "\#(volume)" } ] }"#)
    try FileManager.default.createDirectory(atPath: h.root + "/environments", withIntermediateDirectories: true)
    for env in ["staging", "production"] { try "{}".write(toFile: h.root + "/environments/\(env).json", atomically: true, encoding: .utf8) }
    #expect(try h.run(["apply", "--auto-approve", "--environment", "staging"]).status == 0)
    #expect(TestEngine.docker(["volume", "inspect", "-f", "{{index .Labels \"io.reconcile.project\"}}", volume]).1 == "shop-staging")
    let production = try h.run(["plan", "--environment", "production"])
    #expect(production.stdout.contains("volume/\(volume)") && production.all.contains("shop-staging"), "\(production.all)")
    #expect(try h.run(["plan", "--environment", "staging"]).stdout.contains("No changes."))
  }
}
