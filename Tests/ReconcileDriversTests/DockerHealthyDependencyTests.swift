import Foundation
import ReconcileCore
import Testing

@testable import ReconcileDrivers

/// `dependsOn` with `"condition": "healthy"` against the real Engine: a dependent is made only once the container it
/// waits for reports healthy, also when that container has no step of its own (it was just restarted). A plain
/// dependency only orders the steps: the same dependent made while the database is still starting fails.
@Suite(.enabled(if: DockerTestEngine.enabled, DockerTestEngine.skipReason))
struct DockerHealthyDependencyTests {
  func manifest(db: String, volume: String, dependents: [(name: String, healthy: Bool)]) -> String {
    let apps = dependents.map { d in
      """
      , { "kind": "container", "name": "\(d.name)", "image": "\(DockerTestEngine.busybox1)", "init": true, "stopTimeout": "1s",
          "command": ["/bin/sh", "-c", "test -f /shared/ready || exit 3; exec sleep 600"],
          "mounts": [{ "volume": "volume/\(volume)", "target": "/shared" }], "update": { "startupGrace": "1s" },
          "dependsOn": [\(d.healthy ? #"{ "resource": "container/\#(db)", "condition": "healthy" }"# : #""container/\#(db)""#)] }
      """
    }.joined()
    return """
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "volume", "name": "\(volume)" },
        { "kind": "container", "name": "\(db)", "image": "\(DockerTestEngine.busybox1)", "init": true, "stopTimeout": "1s",
          "command": ["/bin/sh", "-c", "trap 'rm -f /shared/ready; exit 0' TERM; rm -f /shared/ready; sleep 5; touch /shared/ready; sleep 600 & wait"],
          "mounts": [{ "volume": "volume/\(volume)", "target": "/shared" }],
          "healthcheck": { "command": "test -f /shared/ready", "interval": "200ms", "timeout": "2s", "retries": 60 },
          "update": { "healthyWithin": "20s" } }\(apps) ] }
      """
  }

  @Test func aDependentWaitsUntilItsDependencyIsHealthy() async throws {
    try await DockerTestScope.run { scope in
      let h = DockerKindHarness(scope)
      let db = DockerTestEngine.uniqueName("db"), volume = DockerTestEngine.uniqueName("shared")
      let api = DockerTestEngine.uniqueName("api"), eager = DockerTestEngine.uniqueName("eager")
      try await h.applyAndExpectNoChanges(try h.decode(manifest(db: db, volume: volume, dependents: [])))

      // The database restarts: running, not healthy yet, and no step of its own in the next plan.
      try await scope.client.restartContainer(db, timeout: 1)
      let gated = try h.decode(manifest(db: db, volume: volume, dependents: [(api, true)]))
      let plan = try await h.plan(gated)
      #expect(plan.steps.map(\.id.description) == ["container/\(api)"])
      #expect(h.render(plan).contains("+ container/\(api) (not present on the host; once container/\(db) is healthy)"), "\(h.render(plan))")
      try await h.applyAndExpectNoChanges(gated)
      #expect(try await scope.client.inspectContainer(api).state.running)

      // A plain dependency does not wait: made while the database is not ready (its ready file gone, as a restart's
      // first seconds leave it, but for as long as the test needs on a busy machine), the dependent finds nothing ready.
      try DockerRegistryTests.docker(["exec", db, "rm", "-f", "/shared/ready"])
      let failures = try await h.apply(try h.decode(manifest(db: db, volume: volume, dependents: [(api, true), (eager, false)])))
      #expect(failures.count == 1 && failures[0].contains("container/\(eager)") && failures[0].contains("exited with code 3"), "\(failures)")
    }
  }
}
