import DockerEngine
import Foundation
import ReconcileCore
import Testing

@testable import ReconcileDrivers

/// Images from a real registry (Debian's docker-registry with htpasswd auth, started by scripts/registry.sh):
/// pulled with credentials, a moving tag seen and pulled again with its container replaced, wrong credentials a
/// clear error that names registry, reference and user, never the password; a built image pushed.
@Suite("Images from a registry", .enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
struct DockerRegistryTests {
  static let env = ProcessInfo.processInfo.environment
  static let registry = env["RECONCILE_TEST_REGISTRY"] ?? ""
  static let user = env["RECONCILE_TEST_REGISTRY_USER"] ?? ""
  static let password = env["RECONCILE_TEST_REGISTRY_PASSWORD"] ?? ""

  /// The docker CLI on the test engine, logged in to the registry with a config of its own.
  @discardableResult
  static func docker(_ args: [String], in directory: String? = nil) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/docker")
    p.arguments = ["-H", DockerTestEngine.host] + args
    var environment = env
    environment["DOCKER_CONFIG"] = "/tmp/reconcile-registry/docker-config-tests"
    p.environment = environment
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard p.terminationStatus == 0 else { throw OperationError("docker \(args.joined(separator: " ")): \(text)") }
    return text
  }

  /// Pushes an image built from busybox with `label` as `reference`, and removes it here; returns its ID. The image
  /// carries the scope's labels (and a nonce: never a cached build from an earlier run, which the sweep of old test
  /// objects could remove meanwhile), so what is pulled from it is cleaned up with the scope.
  static func push(_ reference: String, label: String, scope: DockerTestScope) throws -> String {
    let dir = NSTemporaryDirectory() + "rc-registry-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let labels = scope.labels.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
    try "FROM \(DockerTestEngine.busybox1)\nLABEL \(labels) version=\(label) nonce=\(UUID().uuidString)\n".write(
      toFile: dir + "/Dockerfile", atomically: true, encoding: .utf8)
    try docker(["build", "-q", "-t", reference, "."], in: dir)
    let id = try docker(["image", "inspect", "-f", "{{.Id}}", reference]).trimmingCharacters(in: .whitespacesAndNewlines)
    try docker(["push", reference])
    try docker(["rmi", reference])
    return id
  }

  /// The registry logged in for the docker CLI, and a harness whose `REGISTRY_PASSWORD` secret is the right one.
  static func withRegistry(_ body: (DockerTestScope, DockerKindHarness) async throws -> Void) async throws {
    try #require(!registry.isEmpty, "no registry: scripts/test.sh starts one with scripts/registry.sh")
    try docker(["login", registry, "-u", user, "-p", password])
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      h.secrets = ["REGISTRY_PASSWORD": password]
      try await body(scope, h)
    }
  }

  func manifest(_ h: DockerKindHarness, image: String, container: String, reference: String) throws -> Manifest {
    try h.decode(
      """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "image", "name": "\(image)", "ref": "\(reference)", "pull": "always",
          "registry": { "server": "\(Self.registry)", "username": "\(Self.user)", "password": "${secret.REGISTRY_PASSWORD}" } },
        { "kind": "container", "name": "\(container)", "image": "image/\(image)", "command": ["sleep", "600"], "init": true } ] }
      """)
  }

  @Test func aMovingTagIsPulledAgainAndItsContainerReplaced() async throws {
    try await Self.withRegistry { scope, h in
      let image = DockerTestEngine.uniqueName("pulled"), container = DockerTestEngine.uniqueName("puller")
      let reference = "\(Self.registry)/rc-test/\(image):latest"
      defer { try? Self.docker(["rmi", "-f", reference]) }
      let v1 = try Self.push(reference, label: "1", scope: scope)
      let m = try manifest(h, image: image, container: container, reference: reference)
      try await h.applyAndExpectNoChanges(m)
      #expect(try await scope.client.inspectContainer(container).image == v1)

      // Pushed from elsewhere: on this one engine the push moves the local tag too, so put it back where the host had it.
      let v2 = try Self.push(reference, label: "2", scope: scope)
      try Self.docker(["tag", v1, reference])
      let plan = h.render(try await h.plan(m))
      #expect(plan.contains("~ image/\(image) (the registry has a new digest for '\(reference)': "), "\(plan)")
      #expect(plan.contains("-/+ container/\(container) (image changed: '\(reference)' will be pulled anew (image/\(image) has a new digest in the registry))"), "\(plan)")
      try await h.applyAndExpectNoChanges(m)
      #expect(try await scope.client.inspectContainer(container).image == v2)
      #expect(!plan.contains(Self.password))
    }
  }

  /// `push`: a built image goes to the registry under its tag; when the registry holds another image under it (pushed
  /// from elsewhere), the plan says so and the apply pushes this one again.
  @Test func aBuiltImageIsPushedAndPushedAgainWhenTheRegistryMovesOn() async throws {
    try await Self.withRegistry { scope, h in
      let image = DockerTestEngine.uniqueName("pushed")
      let reference = "\(Self.registry)/rc-test/\(image):1"
      defer { try? Self.docker(["rmi", "-f", reference]) }
      let context = NSTemporaryDirectory() + "rc-push-" + UUID().uuidString.prefix(8)
      try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(atPath: context) }
      try "FROM \(DockerTestEngine.busybox1)\nLABEL nonce=\(UUID().uuidString)\n".write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
      let m = try h.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "image", "name": "\(image)", "tag": "\(reference)", "build": { "context": "\(context)" }, "push": true,
            "registry": { "server": "\(Self.registry)", "username": "\(Self.user)", "password": "${secret.REGISTRY_PASSWORD}" } } ] }
        """)
      let auth = RegistryAuth(server: Self.registry, username: Self.user, password: Self.password)
      try await h.applyAndExpectNoChanges(m)
      let ours = try await scope.client.inspectImage(reference)
      let repository = "\(Self.registry)/rc-test/\(image)"
      #expect(ours.repoDigests?.contains("\(repository)@\(try await scope.client.registryDigest(reference, auth: auth))") == true)

      _ = try Self.push(reference, label: "elsewhere", scope: scope)
      try Self.docker(["tag", ours.id, reference])
      let plan = h.render(try await h.plan(m))
      #expect(plan.contains("~ image/\(image) (not in the registry yet as this image: '\(reference)')"), "\(plan)")
      try await h.applyAndExpectNoChanges(m)
      #expect(ours.repoDigests?.contains("\(repository)@\(try await scope.client.registryDigest(reference, auth: auth))") == true)
      #expect(!plan.contains(Self.password))
    }
  }

  /// An unknown repository and an unreachable registry: each names the reference, with the Engine's own words.
  @Test func anUnknownRepositoryAndAnUnreachableRegistryAreClearErrors() async throws {
    try await Self.withRegistry { _, h in
      let unknown = "\(Self.registry)/rc-test/\(DockerTestEngine.uniqueName("nothing")):1"
      let m = try h.decode(
        """
        { "apiVersion": "reconcile/v1", "resources": [
          { "kind": "image", "name": "unknown", "ref": "\(unknown)",
            "registry": { "server": "\(Self.registry)", "username": "\(Self.user)", "password": "${secret.REGISTRY_PASSWORD}" } },
          { "kind": "image", "name": "unreachable", "ref": "127.0.0.1:9/rc-test/app:1" } ] }
        """)
      let failures = try await h.apply(m).sorted()
      #expect(failures.count == 2, "\(failures)")
      #expect(failures.first { $0.contains("image/unknown") }?.contains("could not pull '\(unknown)' as '\(Self.user)' at '\(Self.registry)': ") == true, "\(failures)")
      #expect(failures.first { $0.contains("image/unknown") }?.contains("manifest unknown") == true, "\(failures)")
      #expect(failures.first { $0.contains("image/unreachable") }?.contains("could not pull '127.0.0.1:9/rc-test/app:1' (no credentials given): ") == true, "\(failures)")
      #expect(failures.first { $0.contains("image/unreachable") }?.contains("connection refused") == true, "\(failures)")
    }
  }

  @Test func wrongCredentialsAreAClearErrorAndChangeNothing() async throws {
    try await Self.withRegistry { scope, h in
      h.secrets = ["REGISTRY_PASSWORD": "not-the-password-123"]
      let image = DockerTestEngine.uniqueName("denied"), container = DockerTestEngine.uniqueName("denied-user")
      let reference = "\(Self.registry)/rc-test/\(image):latest"
      let m = try manifest(h, image: image, container: container, reference: reference)
      _ = try Self.push(reference, label: "1", scope: scope)
      let failures = try await h.apply(m)
      let text = failures.first ?? ""
      #expect(text.contains("could not pull '\(reference)' as '\(Self.user)' at '\(Self.registry)': "), "\(text)")
      #expect(text.lowercased().contains("unauthorized") || text.contains("no basic auth credentials"), "\(text)")
      #expect(!text.contains("not-the-password-123"))
      let left = try await scope.client.inspectContainerIfPresent(container)
      let pulled = try await scope.client.inspectImageIfPresent(reference)
      #expect(left == nil && pulled == nil, "nothing is changed")
    }
  }
}
