import Foundation
import Testing
import TestSupport

/// `reconcile import compose` end to end on the real engine: a compose project (written the way compose users write
/// them: list environment with a default, a named volume, a healthcheck, depends_on service_healthy, no networks)
/// imported from its own directory, applied, its services finding each other by service name as under compose,
/// then no changes on the next plan, then destroyed.
@Suite(.serialized, .enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct ComposeImportCLITests {
  @Test func aComposeProjectImportedAppliedAndServed() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let id = UUID().uuidString.prefix(6).lowercased()
    let (api, web) = ("imp\(id)-api", "imp\(id)-web")
    let app = h.root + "/app"
    try FileManager.default.createDirectory(atPath: app, withIntermediateDirectories: true)
    try """
    name: imp\(id)
    services:
      \(api):
        image: local/busybox:1
        command: ["sh", "-c", "mkdir -p /www && echo \\"$${GREETING}-from-api\\" > /www/index.html && exec httpd -f -p 8080 -h /www"]
        environment:
          - GREETING=${GREETING:-hello}
        volumes:
          - data:/data
        init: true
        stop_grace_period: 1s
        healthcheck:
          test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
          interval: 1s
          retries: 30
      \(web):
        image: local/busybox:1
        command: sleep 86400
        init: true
        stop_grace_period: 1s
        depends_on:
          \(api):
            condition: service_healthy
    volumes:
      data:
    """.write(toFile: app + "/compose.yaml", atomically: true, encoding: .utf8)
    try FileManager.default.removeItem(atPath: h.manifests)
    let imported = try h.run(["import", "compose", "compose.yaml", "--out", h.manifests], plain: true, in: app)
    #expect(imported.status == 0, "\(imported.all)")
    #expect(imported.stdout.contains("Wrote \(h.manifests)/imp\(id).json: 2 services of project 'imp\(id)'"), "\(imported.all)")
    #expect(imported.stdout.contains("Everything was translated."), "\(imported.all)")
    // Importing again never overwrites.
    let again = try h.run(["import", "compose", "compose.yaml", "--out", h.manifests], plain: true, in: app)
    #expect(again.status == 1 && again.all.contains("it exists; give another --out or --project (nothing was written)"), "\(again.all)")

    let applied = try h.run(["apply", "--auto-approve", "--var", "GREETING=hi"])
    defer { _ = try? h.run(["destroy", "--auto-approve", "--prune-volumes"]) }
    #expect(applied.status == 0, "\(applied.all)")
    // Under compose a service reaches another by its name: here too (the project's network, service names as aliases).
    let answer = TestEngine.docker(["exec", web, "wget", "-q", "-O", "-", "http://\(api):8080/"])
    #expect(answer.0 == 0 && answer.1 == "hi-from-api", "\(answer)")
    #expect(TestEngine.docker(["inspect", "-f", "{{.State.Health.Status}}", api]).1 == "healthy")
    let again2 = try h.run(["plan", "--var", "GREETING=hi"])
    #expect(again2.status == 0 && again2.stdout.contains("No changes"), "\(again2.all)")
    let destroyed = try h.run(["destroy", "--auto-approve", "--prune-volumes"])
    #expect(destroyed.status == 0, "\(destroyed.all)")
    #expect(TestEngine.docker(["inspect", api]).0 != 0 && TestEngine.docker(["network", "inspect", "imp\(id)-default"]).0 != 0)
  }
}
