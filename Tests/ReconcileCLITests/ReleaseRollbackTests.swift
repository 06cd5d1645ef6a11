import Foundation
import HTTPKit
import Testing
import TestSupport

/// Generations and rollback against the real Engine: an image built from a moving context goes back to the exact image
/// ID of an earlier generation, rolls forward again, and images only dropped generations ran are removed; a failed
/// post-apply check takes the host back by itself and alerts.
@Suite(.enabled(if: TestEngine.enabled, "no Docker Engine; run scripts/dockerd.sh or set RECONCILE_REQUIRE_DOCKER=1"))
struct ReleaseRollbackTests {
  /// A busybox httpd serving `www/` on `port`, built from `context`, with a unique image, container and project name.
  struct App {
    let name = ControllerDockerTests.unique("rb")
    let port = freePort()
    let h: CLIHarness
    var context: String { h.root + "/app" }

    init() throws {
      h = try CLIHarness()
      try FileManager.default.createDirectory(atPath: context + "/www", withIntermediateDirectories: true)
      try "FROM local/busybox:1\nLABEL io.reconcile.test=1\nCOPY www/ /www/\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n".write(
        toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
    }

    func manifest(policy: String, extra: String = "") throws {
      try h.manifest(
        """
        { "apiVersion": "reconcile/v1", "project": "\(name)", "policy": { \(policy) }, \(extra)
          "resources": [
            { "kind": "image", "name": "\(name)", "build": { "context": "\(context)" } },
            { "kind": "container", "name": "\(name)", "image": "image/\(name)", "init": true, "stopTimeout": "1s",
              "ports": ["127.0.0.1:\(port):8080"], "update": { "startupGrace": "500ms" } } ] }
        """)
    }

    /// Writes `www/version` (and `www/ok` when `healthy`).
    func release(_ version: String, healthy: Bool = true) throws {
      try version.write(toFile: context + "/www/version", atomically: true, encoding: .utf8)
      if healthy { try "ok".write(toFile: context + "/www/ok", atomically: true, encoding: .utf8) } else { unlink(context + "/www/ok") }
    }

    var runningImage: String { TestEngine.docker(["inspect", "-f", "{{.Image}}", name]).1 }
    var served: String { (try? HTTPClient(timeoutSeconds: 5).send("GET", "http://127.0.0.1:\(port)/version"))?.text ?? "(no answer)" }

    func generations() throws -> [[String: Any]] {
      let r = try h.run(["generations", "--json"])
      return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]], "\(r.all)")
    }

    func cleanUp(images: [String]) {
      TestEngine.docker(["rm", "-f", name])
      TestEngine.docker(["rmi", "-f"] + images + [name])
      h.cleanup()
    }
  }

  @Test func rollbackGoesBackToTheExactImageRollsForwardAndDropsWhatNoGenerationKeeps() throws {
    let app = try App()
    var seen: [String] = []
    defer { app.cleanUp(images: seen) }
    let none = try app.h.run(["rollback", "--auto-approve"])
    #expect(none.status == 1 && none.stderr.contains("no generation is recorded yet"), "\(none.all)")

    try app.manifest(policy: "\"keepGenerations\": 2")
    try app.release("v1")
    var r = try app.h.run(["apply", "--auto-approve"])
    #expect(r.status == 0 && r.stdout.contains("Recorded generation 1."), "\(r.all)")
    let v1 = app.runningImage
    try app.release("v2")
    r = try app.h.run(["apply", "--auto-approve"])
    #expect(r.status == 0 && r.stdout.contains("Recorded generation 2."), "\(r.all)")
    let v2 = app.runningImage
    seen = [v1, v2]
    #expect(v1 != v2 && app.served == "v2")
    #expect(try app.generations().compactMap { ($0["images"] as? [String: [String: Any]])?["image/\(app.name)"]?["id"] as? String } == [v1, v2])
    #expect(try app.h.run(["apply", "--auto-approve"]).stdout.contains("No changes."), "an apply without changes records nothing")
    #expect(try app.generations().count == 2)

    // Back to generation 1: the exact image, although the context on disk is v2's.
    r = try app.h.run(["rollback", "--auto-approve"])
    #expect(r.status == 0, "\(r.all)")
    #expect(r.stdout.contains("~ image/\(app.name) ('\(app.name):latest' goes back to the image of generation 1: "), "\(r.stdout)")
    #expect(r.stdout.contains("Recorded generation 3 (restores generation 1)."), "\(r.stdout)")
    #expect(app.runningImage == v1 && app.served == "v1")
    #expect(TestEngine.docker(["image", "inspect", v2]).0 == 0, "generation 2 is kept, and so is its image")
    // The current manifests roll forward: the plan says so, and an apply brings v2 back.
    let forward = try app.h.run(["plan"])
    #expect(forward.stdout.contains("-/+ image/\(app.name) (build context changed:"), "\(forward.stdout)")
    r = try app.h.run(["apply", "--auto-approve"])
    #expect(r.status == 0 && app.served == "v2", "\(r.all)")
    seen.append(app.runningImage)

    // Two generations are kept: a third release drops generation 3 and, with it, the image only it ran.
    try app.release("v3")
    r = try app.h.run(["apply", "--auto-approve"])
    #expect(r.status == 0 && app.served == "v3", "\(r.all)")
    seen.append(app.runningImage)
    #expect(try app.generations().map { $0["number"] as? Int } == [4, 5])
    #expect(TestEngine.docker(["image", "inspect", v1]).0 != 0, "v1 ran only in dropped generations; it is removed")
    let old = try app.h.run(["rollback", "1", "--auto-approve"])
    #expect(old.status == 1 && old.stderr.contains("it is not kept (kept: 4, 5)"), "\(old.all)")
  }

  @Test func aFailedVerificationRollsBackByItselfAndAlerts() throws {
    let app = try App()
    var seen: [String] = []
    defer { app.cleanUp(images: seen) }
    let receiver = try WebhookReceiver(secret: "rollback-alert-secret")
    defer { receiver.stop() }
    try app.manifest(
      policy: "\"rollbackOnFailure\": true",
      extra: """
        "verify": [ { "http": "http://127.0.0.1:\(app.port)/ok", "expect": 200, "within": "2s" } ],
        "alerts": [ { "name": "ops", "type": "webhook", "url": "\(receiver.url)" } ],
        """)
    try app.release("v1")
    var r = try app.h.run(["apply", "--auto-approve"])
    #expect(r.status == 0 && r.stdout.contains("Verified.") && r.stdout.contains("Recorded generation 1."), "\(r.all)")
    let v1 = app.runningImage
    seen.append(v1)

    try app.release("v2", healthy: false)
    r = try app.h.run(["apply", "--auto-approve"])
    #expect(r.status == 1, "\(r.all)")
    #expect(r.stderr.contains("verify http://127.0.0.1:\(app.port)/ok: expected 200 within 2s; it answered 404"), "\(r.stderr)")
    #expect(r.stdout.contains("Rolling back to generation 1 (policy.rollbackOnFailure)"), "\(r.stdout)")
    #expect(r.stdout.contains("The apply failed; the host is back on generation 1 (recorded as generation 2)."), "\(r.stdout)")
    #expect(app.runningImage == v1 && app.served == "v1")
    let last = try #require(try app.generations().last)
    #expect(last["restores"] as? Int == 1)
    #expect((last["rejected"] as? [String: Any])?["reason"] as? String == "verify http://127.0.0.1:\(app.port)/ok: expected 200 within 2s; it answered 404")
    let alerts = receiver.alerts("apply-rolled-back")
    #expect(alerts.count == 1 && (alerts.first?["message"] as? String)?.contains("went back to generation 1") == true, "\(receiver.all)")
  }
}
