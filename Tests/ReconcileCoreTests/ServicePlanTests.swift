import Foundation
import Testing

@testable import ReconcileCore

/// The `service` kind in the plan: a create with every attribute, changes in place, what Swarm did by itself as
/// report-only drift, and the manifests' errors.
@Suite struct ServicePlanTests {
  static let web = #"""
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "service", "name": "web", "image": "app:2", "command": ["serve", "--port", "80"], "replicas": 4,
        "env": { "MODE": "prod" }, "constraints": ["node.role == worker"],
        "update": { "parallelism": 2, "delay": "10s", "order": "start-first", "failureAction": "rollback", "monitor": "30s" } } ] }
    """#

  @Test func aCreateShowsEveryAttribute() throws {
    let text = PlanTextRenderer().render(plan(try decode(Self.web)))
    #expect(
      text == """
        reconcile will perform these actions:

          + service/web (not present on the host)
              name        = "web"
              image       = "app:2"
              command     = "serve --port 80"
              env         = "MODE"
              env.MODE    = "prod"
              mode        = "4 replicas"
              constraints = "node.role == worker"
              update      = "parallelism 2, delay 10s, order start-first, on failure rollback, monitor 30s"

        Plan: 1 to add, 0 to change, 0 to replace, 0 to destroy.

        """)
  }

  static func observed(_ m: Manifest, override: [String: String] = [:], facts: [Fact: String] = [:]) -> Observation {
    var attributes: [String: String] = [:]
    for a in m[ResourceID(kind: "service", name: "web")]!.spec.attributes { attributes[a.name] = a.value }
    for (k, v) in override { attributes[k] = v }
    return Observation(exists: true, attributes: attributes, facts: facts)
  }

  @Test func everyChangeIsInPlaceAndSwarmsOwnDoingsAreReported() throws {
    let m = try decode(Self.web)
    let scaled = PlanTextRenderer().render(plan(m, observed: ["service/web": Self.observed(m, override: ["mode": "1 replica", "image": "app:1"])], state: applied(m)))
    #expect(scaled.contains("~ service/web (image changed: 'app:1' -> 'app:2'; mode changed: '1 replica' -> '4 replicas')"), "\(scaled)")
    #expect(scaled.contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."))
    let p = plan(
      m, observed: ["service/web": Self.observed(m, facts: [.tasks: "3 4", .updateState: "rollback_completed", .updateMessage: "update rolled back due to failure"])],
      state: applied(m))
    let text = PlanTextRenderer().render(p)
    #expect(
      text.contains("tasks: 3 of 4 running (Swarm is placing the others)") && text.contains("Swarm rolled back the last update: update rolled back due to failure"), "\(text)")
    #expect(p.steps.allSatisfy { $0.why.allSatisfy(\.isReportOnly) }, "Swarm's own doings are reported, not fought")
  }

  @Test func manifestErrors() {
    let cases: [(String, String)] = [
      (#""replicas": 2, "mode": "global""#, #"replicas: a global service runs one task on every node; drop "replicas" or "mode": "global""#),
      (#""update": { "order": "sideways" }"#, "update.order: expected one of 'stop-first', 'start-first', got 'sideways'"),
      (#""labels": { "io.reconcile.resource": "x" }"#, "labels: 'io.reconcile.resource' is reconcile's own label"),
    ]
    for (extra, message) in cases {
      do {
        _ = try decode(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "service", "name": "web", "image": "app:2", \#(extra) } ] }"#)
        Issue.record("expected an error for \(extra)")
      } catch {
        #expect(error.issues.map(\.description) == ["m.json: resources[0] 'service/web': \(message)"], "\(error.issues)")
      }
    }
  }
}
