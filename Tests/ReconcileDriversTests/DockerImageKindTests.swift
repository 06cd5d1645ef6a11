@testable import DockerEngine
import Foundation
import ReconcileCore
import Testing

@testable import ReconcileDrivers

@Suite("Docker image kind against the real Engine", .enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
struct DockerImageKindTests {
  /// A build context in a temp directory: FROM scratch (offline) with busybox and one page.
  static func makeContext(page: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rc-ctx-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("root/bin"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: dir.appendingPathComponent("root/bin/busybox").path)
    for applet in ["sh", "httpd", "sleep", "cat"] {
      try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("root/bin/\(applet)").path, withDestinationPath: "busybox")
    }
    try Data(page.utf8).write(to: dir.appendingPathComponent("root/index.html"))
    try Data("FROM scratch\nCOPY root/ /\nCMD [\"/bin/sleep\", \"600\"]\n".utf8).write(to: dir.appendingPathComponent("Dockerfile"))
    return dir
  }

  @Test func buildIsIdempotentAndRebuiltOnlyWhenTheContextChanges() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let context = try Self.makeContext(page: "one\n")
      defer { try? FileManager.default.removeItem(at: context) }
      let image = DockerTestEngine.uniqueName("app")
      let app = DockerTestEngine.uniqueName("runner")
      let manifest = try h.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "image", "name": "\(image)", "tag": "1", "build": { "context": "\(context.path)" } },
          { "kind": "container", "name": "\(app)", "image": "image/\(image)", "init": true } ] }
        """)
      let first = try await h.plan(manifest)
      #expect(first.steps.map(\.id.description) == ["image/\(image)", "container/\(app)"])
      #expect(first.steps[1].after == [ResourceID(kind: "image", name: image)])
      try await h.applyAndExpectNoChanges(manifest)
      let built = try await scope.client.inspectImage("\(image):1")
      #expect(built.config?.labels?[DockerLabel.resource] == "image/\(image)")
      #expect(try await scope.client.inspectContainer(app).image == built.id)

      // Touching nothing but the timestamp of a file is not a change; its bytes are.
      try Data("two\n".utf8).write(to: context.appendingPathComponent("root/index.html"))
      let changed = try await h.plan(manifest)
      let text = h.render(changed)
      #expect(text.contains("-/+ image/\(image) (build context changed: '"), "\(text)")
      #expect(text.contains("-/+ container/\(app) (image changed: '\(image):1' will be rebuilt (image/\(image) has a new build source))"), "\(text)")
      try await h.applyAndExpectNoChanges(manifest)
      let rebuilt = try await scope.client.inspectImage("\(image):1")
      #expect(rebuilt.id != built.id)
      #expect(try await scope.client.inspectContainer(app).image == rebuilt.id)
      #expect(try await scope.client.inspectImageIfPresent(built.id) == nil, "the old build was not removed")
    }
  }

  @Test func dockerignoredFilesNeitherShipNorTriggerARebuild() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let context = try Self.makeContext(page: "ignore\n")
      defer { try? FileManager.default.removeItem(at: context) }
      try FileManager.default.createDirectory(at: context.appendingPathComponent("root/logs"), withIntermediateDirectories: true)
      try Data("old log\n".utf8).write(to: context.appendingPathComponent("root/logs/app.log"))
      try Data("root/logs/\n".utf8).write(to: context.appendingPathComponent(".dockerignore"))
      let image = DockerTestEngine.uniqueName("ignoring")
      let manifest = try h.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "image", "name": "\(image)", "build": { "context": "\(context.path)" } } ] }
        """)
      try await h.applyAndExpectNoChanges(manifest)
      try Data("new log line\n".utf8).write(to: context.appendingPathComponent("root/logs/app.log"))
      #expect(try await h.plan(manifest).isEmpty, "a change to an ignored file asked for a rebuild")
      // Not in the image: reading it back through the archive endpoint is a 404.
      var spec = DockerContainerCreate(image: "\(image):latest")
      spec.labels = scope.labels
      let container = try await scope.client.createContainer(name: DockerTestEngine.uniqueName("peek"), spec)
      await #expect(throws: DockerEngineError.self) { _ = try await scope.client.archiveData(container: container, path: "/logs/app.log") }
      #expect(try await !scope.client.archiveData(container: container, path: "/index.html").isEmpty)
    }
  }

  /// Runs `body` with an image resource built from a fresh context (its page `page`) and a container using it: the
  /// manifest for a tag, the image and container names, and the context.
  static func withTaggedImage(
    page: String, _ body: (DockerTestScope, DockerKindHarness, (String) throws -> Manifest, String, String, URL) async throws -> Void
  ) async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let context = try Self.makeContext(page: page)
      defer { try? FileManager.default.removeItem(at: context) }
      let image = DockerTestEngine.uniqueName("tagged")
      let app = DockerTestEngine.uniqueName("user")
      func manifest(_ tag: String) throws -> Manifest {
        try h.decode(
          """
          { "apiVersion": "reconcile/v1", "resources": [
            { "kind": "image", "name": "\(image)", "tag": "\(tag)", "build": { "context": "\(context.path)" } },
            { "kind": "container", "name": "\(app)", "image": "image/\(image)", "init": true } ] }
          """)
      }
      try await body(scope, h, manifest, image, app, context)
    }
  }

  @Test func tagChangeShowsTheReferencesInTheReason() async throws {
    try await Self.withTaggedImage(page: "tag\n") { scope, h, manifest, image, app, _ in
      try await h.applyAndExpectNoChanges(try manifest("1"))
      let plan = try await h.plan(try manifest("2"))
      let text = h.render(plan)
      #expect(text.contains("-/+ image/\(image) (reference changed: '\(image):1' -> '\(image):2')"), "\(text)")
      #expect(text.contains("-/+ container/\(app) (image changed: '\(image):1' -> '\(image):2')"), "\(text)")
      try await h.applyAndExpectNoChanges(try manifest("2"))
      #expect(try await scope.client.inspectContainer(app).config.image == "\(image):2")
    }
  }

  /// The most common deploy: a new tag with new content while a container runs the old one. The old tag cannot be
  /// deleted while the container uses it; it is untagged, the container is replaced, and the old image goes with it.
  @Test func aNewTagWithNewContentReplacesTheRunningContainer() async throws {
    try await Self.withTaggedImage(page: "v1\n") { scope, h, manifest, image, app, context in
      try await h.applyAndExpectNoChanges(try manifest("1"))
      let v1 = try await scope.client.inspectImage("\(image):1").id
      try Data("v2\n".utf8).write(to: context.appendingPathComponent("root/index.html"))
      let failures = try await h.apply(try manifest("2"))
      #expect(failures.isEmpty, "\(failures)")
      #expect(try await h.plan(try manifest("2")).isEmpty)
      let running = try await scope.client.inspectContainer(app)
      #expect(running.config.image == "\(image):2" && running.image != v1 && running.state.running)
      #expect(try await scope.client.inspectImageIfPresent(v1) == nil, "the old image is removed once no container uses it")
    }
  }

  @Test func importedRootfsRunsAndAnExistingReferenceIsUsed() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      var rootfs = TarWriter()
      rootfs.addDirectory("bin")
      rootfs.addFile("bin/busybox", contents: try Data(contentsOf: URL(fileURLWithPath: "/bin/busybox")), mode: 0o755)
      rootfs.addSymlink("bin/sleep", target: "busybox")
      let tarball = FileManager.default.temporaryDirectory.appendingPathComponent("rc-rootfs-\(UUID().uuidString.prefix(8)).tar")
      try rootfs.finish().write(to: tarball)
      defer { try? FileManager.default.removeItem(at: tarball) }
      let imported = DockerTestEngine.uniqueName("imported")
      let existing = DockerTestEngine.uniqueName("existing")
      let a = DockerTestEngine.uniqueName("a")
      let b = DockerTestEngine.uniqueName("b")
      let manifest = try h.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "image", "name": "\(imported)", "tag": "1", "import": "\(tarball.path)" },
          { "kind": "image", "name": "\(existing)", "ref": "local/busybox:2" },
          { "kind": "container", "name": "\(a)", "image": "image/\(imported)", "command": ["/bin/sleep", "600"], "init": true },
          { "kind": "container", "name": "\(b)", "image": "image/\(existing)", "command": ["/bin/sleep", "600"], "init": true } ] }
        """)
      try await h.applyAndExpectNoChanges(manifest)
      #expect(try await scope.client.inspectContainer(a).state.running)
      #expect(try await scope.client.inspectContainer(b).config.image == "local/busybox:2")
      // Prune removes the imported image but never the existing one it did not build.
      let empty = try h.decode(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
      #expect(try await h.apply(empty).isEmpty)
      #expect(try await scope.client.inspectImageIfPresent("\(imported):1") == nil)
      #expect(try await scope.client.inspectImageIfPresent("local/busybox:2") != nil)
    }
  }

  @Test func failedBuildNamesTheImageAndShowsTheOutput() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let context = FileManager.default.temporaryDirectory.appendingPathComponent("rc-bad-\(UUID().uuidString.prefix(8))")
      try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: context) }
      try Data("FROM scratch\nCOPY nothing-here /x\n".utf8).write(to: context.appendingPathComponent("Dockerfile"))
      let image = DockerTestEngine.uniqueName("broken")
      let failures = try await h.apply(
        try h.decode(
          """
          { "apiVersion": "reconcile/v1", "resources": [
            { "kind": "image", "name": "\(image)", "build": { "context": "\(context.path)" } } ] }
          """))
      #expect(failures.count == 1)
      #expect(failures.first?.hasPrefix("could not create image/\(image): Docker Engine reported an error during POST /build: ") == true, "\(failures)")
      #expect(failures.first?.contains("nothing-here") == true, "\(failures)")
    }
  }
}
