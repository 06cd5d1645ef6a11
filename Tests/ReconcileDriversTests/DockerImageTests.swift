@testable import DockerEngine
import Foundation
import Testing

@testable import ReconcileDrivers
import Essentials

@Suite("Docker images: build, import, tag, remove", .enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
struct DockerImageTests {
  @Test func buildsFromScratchWithLabelsAndTag() async throws {
    try await DockerTestScope.run { scope in
      let client = scope.client
      var tar = TarWriter()
      tar.addFile("Dockerfile", contents: Data("FROM scratch\nCOPY hello.txt /hello.txt\nCMD [\"/none\"]\n".utf8))
      tar.addFile("hello.txt", contents: Data("hello from a tar context\n".utf8))
      let tag = "local/\(DockerTestEngine.uniqueName("build")):1"
      let output = Locked("")
      let id = try await client.buildImage(context: tar.finish(), tag: tag, labels: scope.labels) { line in
        output.withLock { $0 += line }
      }
      #expect(id.hasPrefix("sha256:"))
      #expect(output.withLock { $0 }.contains("COPY hello.txt"))
      let image = try await client.inspectImage(tag)
      #expect(image.id == id)
      #expect(image.config?.labels?["io.reconcile.test-run"] == scope.run)

      // The file made it into the image: read it back through the archive endpoint.
      var spec = DockerContainerCreate(image: tag)
      spec.labels = scope.labels
      let container = try await client.createContainer(name: DockerTestEngine.uniqueName("arch"), spec)
      let archive = try await client.archiveData(container: container, path: "/hello.txt")
      #expect(String(decoding: archive, as: UTF8.self).contains("hello from a tar context"))
    }
  }

  @Test func buildErrorIsReportedFromTheStream() async throws {
    try await DockerTestScope.run { scope in
      var tar = TarWriter()
      tar.addFile("Dockerfile", contents: Data("FROM scratch\nCOPY missing.txt /x\n".utf8))
      let tag = "local/\(DockerTestEngine.uniqueName("bad")):1"
      do {
        try await scope.client.buildImage(context: tar.finish(), tag: tag, labels: scope.labels)
        Issue.record("a build that copies a missing file succeeded")
      } catch let error as DockerEngineError {
        #expect(error.description.hasPrefix("Docker Engine reported an error during POST /build: "), "\(error)")
        #expect(error.description.contains("missing.txt"), "\(error)")
      }
    }
  }

  @Test func importsARootfsAndRunsIt() async throws {
    try await DockerTestScope.run { scope in
      let client = scope.client
      var rootfs = TarWriter()
      rootfs.addDirectory("bin")
      rootfs.addFile("bin/busybox", contents: try Data(contentsOf: URL(fileURLWithPath: "/bin/busybox")), mode: 0o755)
      rootfs.addSymlink("bin/sh", target: "busybox")
      rootfs.addSymlink("bin/echo", target: "busybox")
      let repo = "local/\(DockerTestEngine.uniqueName("import"))"
      let changes = scope.labels.sorted { $0.key < $1.key }.map { "LABEL \($0.key)=\($0.value)" }
      let id = try await client.importImage(rootfs: rootfs.finish(), repo: repo, tag: "1", changes: changes)
      #expect(id.hasPrefix("sha256:"))
      #expect(try await client.inspectImage("\(repo):1").config?.labels?["io.reconcile.test-run"] == scope.run)

      let listed = try await client.listImages(labels: ["io.reconcile.test-run": scope.run])
      #expect(listed.map(\.id) == [id])

      var spec = scope.busybox(["/bin/sh", "-c", "echo imported-and-running"], image: "\(repo):1")
      spec.hostConfig.init_ = nil
      let container = try await client.createContainer(name: DockerTestEngine.uniqueName("imp"), spec)
      try await client.startContainer(container)
      #expect(try await client.waitContainer(container) == 0)
      #expect(try await client.containerLogText(container) == "imported-and-running\n")
    }
  }

  @Test func tagAndRemoveATag() async throws {
    try await DockerTestScope.run { scope in
      let client = scope.client
      var tar = TarWriter()
      tar.addFile("Dockerfile", contents: Data("FROM scratch\nLABEL purpose=tag-test\n".utf8))
      let repo = "local/\(DockerTestEngine.uniqueName("tag"))"
      let id = try await client.buildImage(context: tar.finish(), tag: "\(repo):1", labels: scope.labels)
      try await client.tagImage("\(repo):1", repo: repo, tag: "2")
      #expect(try await client.inspectImage("\(repo):2").id == id)
      try await client.removeImage("\(repo):2")
      #expect(try await client.inspectImageIfPresent("\(repo):2") == nil)
      #expect(try await client.inspectImageIfPresent("\(repo):1")?.id == id)
    }
  }

  @Test func testImagesArePresent() async throws {
    let client = try DockerTestEngine.client()
    let one = try #require(try await client.inspectImageIfPresent(DockerTestEngine.busybox1), "run scripts/test-images.sh")
    let two = try #require(try await client.inspectImageIfPresent(DockerTestEngine.busybox2), "run scripts/test-images.sh")
    #expect(one.id != two.id)
  }
}

@Suite("Docker networks and volumes", .enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
struct DockerNetworkVolumeTests {
  @Test func networkCreateConnectWithAliasInspectRemove() async throws {
    try await DockerTestScope.run { scope in
      let client = scope.client
      let name = DockerTestEngine.uniqueName("net")
      let id = try await client.createNetwork(DockerNetworkCreate(name: name, labels: scope.labels))
      #expect(try await client.listNetworks(labels: ["io.reconcile.test-run": scope.run]).map(\.id) == [id])
      let container = try await client.createContainer(
        name: DockerTestEngine.uniqueName("member"), scope.busybox(["/bin/sleep", "300"]))
      try await client.connectNetwork(name, container: container, aliases: ["api"])
      let inspected = try await client.inspectContainer(container)
      #expect(inspected.networkSettings.networks?[name]?.aliases?.contains("api") == true)
      #expect(try await client.inspectNetwork(id).name == name)
      try await client.disconnectNetwork(id, container: container)
      try await client.removeNetwork(id)
      #expect(try await client.listNetworks(labels: ["io.reconcile.test-run": scope.run]).isEmpty)
    }
  }

  @Test func volumeCreateInspectRemove() async throws {
    try await DockerTestScope.run { scope in
      let client = scope.client
      let name = DockerTestEngine.uniqueName("vol")
      let created = try await client.createVolume(DockerVolumeCreate(name: name, labels: scope.labels))
      #expect(created.name == name)
      #expect(try await client.inspectVolume(name).labels?["io.reconcile.test-run"] == scope.run)
      #expect(try await client.listVolumes(labels: ["io.reconcile.test-run": scope.run]).map(\.name) == [name])
      try await client.removeVolume(name)
      do {
        _ = try await client.inspectVolume(name)
        Issue.record("volume '\(name)' is still there after remove")
      } catch let error as DockerEngineError {
        #expect(error.isNotFound)
      }
    }
  }
}
