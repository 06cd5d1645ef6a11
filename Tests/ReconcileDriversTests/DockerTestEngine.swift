@testable import DockerEngine
import Foundation
import Testing

@testable import ReconcileDrivers

/// The real Docker Engine that the Docker tests run against (`$DOCKER_HOST`, see scripts/dockerd.sh).
///
/// Without an engine the tests are skipped with a reason, unless `RECONCILE_REQUIRE_DOCKER=1`:
/// then they run and fail with the connection error.
enum DockerTestEngine {
  static let host: String = {
    let value = ProcessInfo.processInfo.environment["DOCKER_HOST"] ?? ""
    return value.isEmpty ? "unix:///var/run/docker.sock" : value
  }()

  static let required = ProcessInfo.processInfo.environment["RECONCILE_REQUIRE_DOCKER"] == "1"

  /// Whether `GET /_ping` answers, checked once, synchronously (traits cannot await).
  static let answers: Bool = {
    guard let client = try? DockerEngineClient(host: host, connectTimeout: 2, requestTimeout: 5) else { return false }
    let request = DockerHTTPRequest(method: "GET", path: "/_ping", timeout: 5)
    guard let response = try? client.transport.perform(request) else { return false }
    return response.status == 200
  }()

  /// Run the test when an engine answers, or when one is required (so that it fails loudly).
  static var enabled: Bool { answers || required }
  static let skipReason: Comment = "no Docker Engine answers at \(host); run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"

  static func client() throws -> DockerEngineClient {
    try DockerEngineClient(host: host)
  }

  /// A unique, lower-case name for one test object: `rc-test-<role>-<8 hex>`.
  static func uniqueName(_ role: String) -> String {
    "rc-test-\(role)-\(UUID().uuidString.prefix(8).lowercased())"
  }

  /// The test images built by scripts/test-images.sh.
  static let busybox1 = "local/busybox:1"
  static let busybox2 = "local/busybox:2"
}

/// Every object one test creates: labelled `io.reconcile.test=1` plus this scope's run label,
/// and removed when the test ends, passed or failed. Nothing else is ever touched.
final class DockerTestScope: Sendable {
  let client: DockerEngineClient
  let run = UUID().uuidString.lowercased()

  init() throws {
    client = try DockerTestEngine.client()
  }

  /// Labels to put on every object this test creates.
  var labels: [String: String] { ["io.reconcile.test": "1", "io.reconcile.test-run": run] }

  /// Runs `body`, then removes containers, networks, volumes and images with this run's label.
  static func run(_ body: (DockerTestScope) async throws -> Void) async throws {
    let scope = try DockerTestScope()
    await StaleTestObjectSweeper.shared.sweepOnce(scope.client)
    do {
      try await body(scope)
    } catch {
      try? await scope.cleanUp()
      throw error
    }
    try await scope.cleanUp()
  }

  func cleanUp() async throws {
    let mine: [String: String?] = ["io.reconcile.test-run": run]
    for container in try await client.listContainers(labels: mine) {
      try await client.removeContainer(container.id, force: true)
    }
    for network in try await client.listNetworks(labels: mine) {
      try await client.removeNetwork(network.id)
    }
    for volume in try await client.listVolumes(labels: mine) {
      try await client.removeVolume(volume.name, force: true)
    }
    for image in try await client.listImages(labels: mine) {
      for tag in image.repoTags ?? [] where tag != "<none>:<none>" {
        try? await client.removeImage(tag)
      }
      try? await client.removeImage(image.id, force: true)
    }
  }

  /// A busybox container spec with this run's labels; `init` so that SIGTERM stops it promptly.
  func busybox(_ command: [String], image: String = DockerTestEngine.busybox1) -> DockerContainerCreate {
    var spec = DockerContainerCreate(image: image)
    spec.cmd = command
    spec.labels = labels
    spec.hostConfig.init_ = true
    return spec
  }
}

/// Removes test objects (`io.reconcile.test=1`) left by a test process that died before its
/// cleanup (a crash, a killed run). Only objects older than `age` are touched, so a test run
/// going on in parallel (another worktree on the same engine) keeps its own. Once per process.
actor StaleTestObjectSweeper {
  static let shared = StaleTestObjectSweeper()
  private var done = false
  let age: TimeInterval = 15 * 60

  func sweepOnce(_ client: DockerEngineClient) async {
    guard !done else { return }
    done = true
    let test: [String: String?] = ["io.reconcile.test": "1"]
    let cutoff = Date().addingTimeInterval(-age)
    for c in (try? await client.listContainers(labels: test)) ?? [] where Date(timeIntervalSince1970: TimeInterval(c.created)) < cutoff {
      try? await client.removeContainer(c.id, force: true)
    }
    for n in (try? await client.listNetworks(labels: test)) ?? [] {
      if let created = try? await client.inspectNetworkCreated(n.id), created < cutoff { try? await client.removeNetwork(n.id) }
    }
    for v in (try? await client.listVolumes(labels: test)) ?? [] where (v.createdAt.flatMap(Self.parse) ?? Date()) < cutoff {
      try? await client.removeVolume(v.name, force: true)
    }
    for i in (try? await client.listImages(labels: test)) ?? [] where Date(timeIntervalSince1970: TimeInterval(i.created)) < cutoff {
      try? await client.removeImage(i.id, force: true)
    }
  }

  /// `2026-11-22T04:10:05.123456789Z` (the Engine's nanosecond timestamps), to the second, UTC.
  static func parse(_ text: String) -> Date? {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
    return formatter.date(from: String(text.prefix(19)))
  }
}

extension DockerEngineClient {
  /// When a network was created (its `Created` field). Calls `GET /networks/{id}`.
  func inspectNetworkCreated(_ id: String) async throws -> Date? {
    struct Created: Decodable { var created: String? }
    return try await json(Created.self, "GET", "/networks/\(id)").created.flatMap(StaleTestObjectSweeper.parse)
  }
}
