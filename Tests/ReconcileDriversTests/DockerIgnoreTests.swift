import Foundation
import Testing

@testable import ReconcileDrivers

@Suite("DockerIgnore")
struct DockerIgnoreTests {
  @Test func patternsFollowTheDockerCLI() {
    let rules = DockerIgnore(
      """
      # comment
      *.log
      build/
      **/secret.txt
      docs/*
      !docs/keep.md
      ./tmp
      """)
    #expect(rules.excludes("app.log"))
    #expect(!rules.excludes("src/app.log"), "'*.log' matches at the root only")
    #expect(rules.excludes("build"))
    #expect(rules.excludes("build/out/bin"), "a matched directory excludes what is under it")
    #expect(rules.excludes("secret.txt"))
    #expect(rules.excludes("a/b/secret.txt"))
    #expect(rules.excludes("docs/guide.md"))
    #expect(!rules.excludes("docs/keep.md"), "'!' re-includes")
    #expect(rules.excludes("tmp/x"))
    #expect(!rules.excludes("src/main.swift"))
  }

  @Test func theDockerfileAndDockerignoreAreAlwaysSent() {
    let rules = DockerIgnore("*\n", dockerfile: "build/Dockerfile.prod")
    #expect(rules.excludes("anything"))
    #expect(!rules.excludes("build/Dockerfile.prod"))
    #expect(!rules.excludes(".dockerignore"))
  }

  @Test func noFileMeansNothingIsExcluded() throws {
    let rules = try DockerIgnore(context: "/nonexistent-\(UUID())", dockerfile: "Dockerfile")
    #expect(!rules.excludes("a/b"))
  }
}
