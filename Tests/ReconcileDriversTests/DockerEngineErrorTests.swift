@testable import DockerEngine
import Foundation
import ReconcileCore
import Testing

@testable import ReconcileDrivers

@Suite("Docker Engine error texts")
struct DockerEngineErrorTests {
  /// An engine that cannot be reached is a typed engine failure (the controller's engine-unreachable alert reads it),
  /// retryable, with the Engine client's own text.
  @Test func anUnreachableEngineIsATypedRetryableEngineFailure() async throws {
    let driver = DockerDriver(environment: ["DOCKER_HOST": "unix:///nonexistent/reconcile-test.sock"])
    let target = ObserveTarget(id: ResourceID(kind: "container", name: "x"), locator: ["name": "x"], spec: nil)
    let error = await #expect(throws: OperationError.self) { try await driver.observe([target]) }
    #expect(error?.isEngineFailure == true && error?.isRetryable == true)
    #expect(
      error?.description.hasPrefix("could not observe Docker objects: cannot reach the Docker Engine at unix:///nonexistent/reconcile-test.sock") == true,
      "\(String(describing: error))")
  }

  @Test(.enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
  func nameConflictNamesTheCallAndTheEngineMessage() async throws {
    try await DockerTestScope.run { scope in
      let name = DockerTestEngine.uniqueName("dup")
      _ = try await scope.client.createContainer(name: name, scope.busybox(["/bin/true"]))
      do {
        _ = try await scope.client.createContainer(name: name, scope.busybox(["/bin/true"]))
        Issue.record("a second create with the name '\(name)' succeeded")
      } catch let error as DockerEngineError {
        #expect(error.status == 409)
        #expect(error.isConflict)
        #expect(!error.isRetryable)
        let text = error.description
        #expect(text.hasPrefix("Docker Engine answered 409 on POST /containers/create: "), "\(text)")
        #expect(text.contains("\"/\(name)\" is already in use"), "\(text)")
      }
    }
  }

  @Test(.enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
  func missingContainerIs404WithTheEngineMessage() async throws {
    let client = try DockerTestEngine.client()
    let name = DockerTestEngine.uniqueName("absent")
    let error = await #expect(throws: DockerEngineError.self, "inspect of absent container '\(name)' succeeded") { try await client.inspectContainer(name) }
    #expect(error?.isNotFound == true)
    #expect(error?.description == "Docker Engine answered 404 on GET /containers/\(name)/json: No such container: \(name)")
    #expect(try await client.inspectContainerIfPresent(name) == nil)
  }

  @Test func missingSocketFileIsUnreachable() async throws {
    let path = "/tmp/rc-test-\(UUID().uuidString.prefix(8)).sock"
    let client = try DockerEngineClient(host: "unix://\(path)")
    let error = await #expect(throws: DockerEngineError.self, "ping to a missing socket succeeded") { try await client.ping() }
    #expect(error?.description == "cannot reach the Docker Engine at unix://\(path): no such file or directory (is dockerd running?)")
    #expect(error?.isRetryable == true)
  }

  @Test func socketWithoutListenerIsConnectionRefused() async throws {
    let path = "/tmp/rc-test-\(UUID().uuidString.prefix(8)).sock"
    try bindUnixSocketWithoutListening(path)
    defer { unlink(path) }
    let client = try DockerEngineClient(host: "unix://\(path)")
    let error = await #expect(throws: DockerEngineError.self, "a call to a socket nobody listens on succeeded") { try await client.listContainers() }
    #expect(error?.description == "cannot reach the Docker Engine at unix://\(path): connection refused (is dockerd running?)")
  }

  @Test func onlyUnixSocketsAreAccepted() {
    #expect(throws: DockerEngineError.self) { try DockerEngineClient(host: "tcp://127.0.0.1:2375") }
  }

  @Test func environmentDefaultsToTheSystemSocket() throws {
    #expect(try DockerEngineClient.fromEnvironment([:]).host == "unix:///var/run/docker.sock")
    #expect(try DockerEngineClient.fromEnvironment(["DOCKER_HOST": "unix:///x/d.sock"]).host == "unix:///x/d.sock")
  }

  @Test func negotiationPicksTheLowerVersionNumerically() {
    #expect(DockerEngineClient.negotiate(server: "1.41") == "1.41")
    #expect(DockerEngineClient.negotiate(server: "1.47") == DockerEngineClient.maxAPIVersion)
    #expect(DockerEngineClient.negotiate(server: "1.9") == "1.9")
    #expect(DockerEngineClient.compare("1.9", "1.41") < 0)
  }

  @Test func callTextDropsTheVersionPrefix() {
    let request = DockerHTTPRequest(method: "POST", path: "/v1.41/containers/create", query: [("name", "web")])
    #expect(request.call == "POST /containers/create")
  }

  /// Leaves a socket file with no listener: connect() then fails with ECONNREFUSED.
  private func bindUnixSocketWithoutListening(_ path: String) throws {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    #expect(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
    }
    let rc = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    #expect(rc == 0, "bind(\(path)) failed: errno \(errno)")
  }
}
