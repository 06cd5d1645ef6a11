import Foundation
import Testing

/// Relative paths in manifests resolve against the manifest file, however `--manifests` is spelled and wherever
/// reconcile runs: the plan is the same from the project directory and from anywhere else.
@Suite struct ManifestPathTests {
  @Test func aRelativeBuildContextIsTheSamePathFromAnyWorkingDirectory() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try FileManager.default.createDirectory(atPath: "\(h.root)/app", withIntermediateDirectories: true)
    try "FROM scratch\n".write(toFile: "\(h.root)/app/Dockerfile", atomically: true, encoding: .utf8)
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "image", "name": "pathtest", "tag": "1", "build": { "context": "../app" } } ] }"#)
    let relative = try h.run(["plan", "--manifests", "manifests", "--state", "state"], plain: true)
    let absolute = try h.run(["plan", "--manifests", h.manifests, "--state", h.state], plain: true)
    let elsewhere = try h.run(["plan", "--manifests", "../manifests", "--state", h.state], plain: true, in: h.root + "/app")
    #expect(relative.status == 0 && absolute.status == 0 && elsewhere.status == 0, "\(relative.all)\(absolute.all)\(elsewhere.all)")
    #expect(relative.stdout.contains("context    = \"\(h.root)/app\""), "\(relative.stdout)")
    #expect(relative.stdout == absolute.stdout && absolute.stdout == elsewhere.stdout)
  }
}
