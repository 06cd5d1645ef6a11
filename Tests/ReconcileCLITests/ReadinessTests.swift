import Foundation
import Testing
import TestSupport

/// Readiness apart from liveness: a new version that lives at once (its healthcheck: the server runs) but answers
/// `/version` only after 3 s of warming up takes no traffic before it is ready; one that never gets ready fails its
/// step and the old one keeps serving.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine")) struct ReadinessTests {
  static let warming = "mkdir -p /www; (sleep 3; echo $VERSION > /www/version) & exec httpd -f -p 8080 -h /www"

  static func manifest(_ name: String, version: Int, prefix: String, port: Int, command: String) -> String {
    ZeroDowntimeTests.manifest(
      name, version: version, prefix: prefix, port: port, update: ["strategy": "start-first", "drainTimeout": "5s", "healthyWithin": "8s"],
      extra: [
        "command": ["/bin/sh", "-c", command], "healthcheck": ["command": "pidof httpd", "interval": "200ms", "retries": 3],
        "readiness": ["http": "/version", "port": 8080],
      ])
  }

  @Test func aNewVersionTakesTrafficOnlyOnceReady() throws {
    try ZeroDowntimeTests.withApp("ready") { h, prefix, name, port in
      let load = LoadGenerator(url: "http://127.0.0.1:\(port)/version", threads: 3, pause: 0.01)
      Thread.sleep(forTimeInterval: 1)
      try h.manifest(Self.manifest(name, version: 2, prefix: prefix, port: port, command: Self.warming))
      let started = Date()
      let r = try h.run(["apply", "--auto-approve"])
      let seconds = Date().timeIntervalSince(started)
      Thread.sleep(forTimeInterval: 1)
      load.stop()
      #expect(r.status == 0, "\(r.all)")
      #expect(seconds >= 3, "the switch waited for the warm-up: \(seconds) s")
      #expect(load.failures.isEmpty, "failed requests: \(load.failures) of \(load.total)")
      let counts = load.counts.current
      #expect((counts["200 1"] ?? 0) > 0 && (counts["200 2"] ?? 0) > 0, "\(counts)")

      // Never ready: the step fails saying so, nothing restarts it, and version 2 keeps the traffic.
      try h.manifest(Self.manifest(name, version: 3, prefix: prefix, port: port, command: "mkdir -p /www; exec httpd -f -p 8080 -h /www"))
      let never = try h.run(["apply", "--auto-approve"])
      #expect(never.status != 0 && never.stdout.contains("was not ready within") && never.stdout.contains("GET :8080/version: it answered 404"), "\(never.all)")
      #expect(ProxyTest.curl("http://127.0.0.1:\(port)/version").text.hasSuffix("\r\n\r\n2\n"))
    }
  }
}
