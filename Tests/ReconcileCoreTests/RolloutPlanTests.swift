import Foundation
import Testing

@testable import ReconcileCore

/// Canary and blue-green in the plan, in the manifests' errors, and the figures that judge a new version.
@Suite struct RolloutPlanTests {
  static func manifest(version: Int, update: String, ports: String = "[]", routed: Bool = true) -> String {
    let site = #"{ "kind": "site", "name": "web", "serverNames": ["example.org"], "routes": [ { "path": "/", "upstream": "container/app:8080" } ] }"#
    return #"""
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "container", "name": "app", "image": "local/busybox:1", "env": { "VERSION": "\#(version)" }, "ports": \#(ports),
          "update": \#(update) }\#(routed ? ", " + site : "") ] }
      """#
  }

  func replacementText(_ update: String) throws -> String {
    let before = try decode(Self.manifest(version: 1, update: update), templates: bundledTemplates)
    let after = try decode(Self.manifest(version: 2, update: update), templates: bundledTemplates)
    let observed = DockerPlanGoldenTests.container(before, "app")
    let site = try #require(after[ResourceID(kind: "site", name: "web")]?.spec as? SiteSpec)
    return PlanTextRenderer().render(
      plan(after, observed: ["container/app": observed, "site/web": Observation(exists: true, attributes: ["config": site.config.value])], state: applied(before)))
  }

  @Test func aCanarySaysItsStepsAndLimits() throws {
    let text = try replacementText(#"{ "strategy": "canary", "steps": [5, 25, 50], "interval": "30s", "analysis": { "maxErrorRate": 2.5, "maxP95": "800ms" } }"#)
    #expect(
      text == """
        reconcile will perform these actions:

          -/+ container/app (env.VERSION changed: '1' -> '2'; canary through nginx at /var/lib/reconcile/nginx: 5% → 25% → 50% → 100% every 30s once the new container is healthy; rolls back if errors > 2.5%, p95 > 800ms or 3 failed health checks)
              env.VERSION = "1" -> "2"

        Plan: 0 to add, 0 to change, 1 to replace, 0 to destroy.

        """)
  }

  @Test func aPauseIsAStepOfItsOwn() throws {
    let text = try replacementText(#"{ "strategy": "canary", "steps": [10, "pause", 50], "interval": "1m" }"#)
    #expect(text.contains("canary through nginx at /var/lib/reconcile/nginx: 10% → pause → 50% → 100% every 1m once"), "\(text)")
    let trailing = try decode(Self.manifest(version: 1, update: #"{ "strategy": "canary", "steps": [20, "pause"] }"#), templates: bundledTemplates)
    #expect((trailing[ResourceID(kind: "container", name: "app")]?.spec as? ContainerSpec)?.rollout?.steps == [.percent(20), .pause, .percent(100)])
  }

  @Test func blueGreenSaysHowLongTheOldOneStaysReady() throws {
    let text = try replacementText(#"{ "strategy": "blue-green", "interval": "5m" }"#)
    #expect(
      text.contains(
        "-/+ container/app (env.VERSION changed: '1' -> '2'; blue-green through nginx at /var/lib/reconcile/nginx: all traffic moves to the new container once it is healthy, the old one stays ready for 5m; rolls back if errors > 5%, p95 > 3s or 3 failed health checks)"
      ), "\(text)")
  }

  @Test func blueGreenSaysHowLongThePreviousVersionIsKept() throws {
    let text = try replacementText(#"{ "strategy": "blue-green", "interval": "30s", "keepPrevious": "1h" }"#)
    #expect(
      text.contains(
        "blue-green through nginx at /var/lib/reconcile/nginx: all traffic moves to the new container once it is healthy, the old one stays ready for 30s; rolls back if errors > 5%, p95 > 3s or 3 failed health checks; then the old one is kept running out of the upstream for 1h, so that going back to it is a switch)"
      ), "\(text)")
  }

  @Test func defaultsAreTheSeedsRules() throws {
    let m = try decode(Self.manifest(version: 1, update: #"{ "strategy": "canary" }"#), templates: bundledTemplates)
    let rollout = try #require((m[ResourceID(kind: "container", name: "app")]?.spec as? ContainerSpec)?.rollout)
    #expect(rollout.steps == [.percent(10), .percent(50), .percent(100)] && rollout.interval == 30)
    #expect(rollout.analysis.maxErrorRate == 5 && rollout.analysis.maxP95 == 3 && rollout.analysis.maxHealthFailures == 3 && rollout.analysis.maxMemory == 90)
  }

  static let errorCases: [(String, String, Bool, [String])] = [
    (
      #"{ "strategy": "canary" }"#, "[]", false,
      [
        #"m.json: resources[0] 'container/app': update.strategy: 'canary' shifts traffic through a managed proxy (nginx or Caddy) between the old and the new container, but no site routes to it (a route with "upstream": "container/app:PORT")"#
      ]
    ),
    (
      #"{ "strategy": "blue-green" }"#, #"["127.0.0.1:8080:8080"]"#, true,
      [
        #"m.json: resources[0] 'container/app': update.strategy: 'blue-green' shifts traffic through a managed proxy (nginx or Caddy) between the old and the new container, but it publishes host ports (drop "ports": the proxy then reaches it on its network)"#
      ]
    ),
    (
      #"{ "strategy": "canary", "steps": [50, 20], "interval": "0s", "analysis": { "maxErrorRate": 150, "maxP95": "fast", "extra": 1 } }"#, "[]", true,
      [
        "m.json: resources[0] 'container/app': update.analysis: unknown key 'extra'",
        // An invalid container is not declared: the site says so too.
        "m.json: resources[1] 'site/web': routes[0].upstream: container/app is not declared in the manifests",
        "m.json: resources[0] 'container/app': update.analysis.maxErrorRate: expected a number in 0...100, got 150",
        #"m.json: resources[0] 'container/app': update.analysis.maxP95: expected a duration like "30s", "5m" or "1h30m", got 'fast'"#,
        "m.json: resources[0] 'container/app': update.interval: expected a duration greater than zero",
        #"m.json: resources[0] 'container/app': update.steps: expected increasing percentages between 1 and 100 (and "pause" where a person decides), like [10, "pause", 50], got ["50%", "20%"]"#,
      ]
    ),
    (
      #"{ "strategy": "canary", "keepPrevious": "10m" }"#, "[]", true,
      [
        #"m.json: resources[0] 'container/app': update.keepPrevious: the previous version is kept by "strategy": "blue-green", which switches all traffic at once"#,
        "m.json: resources[1] 'site/web': routes[0].upstream: container/app is not declared in the manifests",
      ]
    ),
    (
      #"{ "strategy": "blue-green", "steps": [50] }"#, "[]", true,
      [
        #"m.json: resources[0] 'container/app': update.steps: blue-green moves all traffic at once; steps are for "strategy": "canary""#,
        "m.json: resources[1] 'site/web': routes[0].upstream: container/app is not declared in the manifests",
      ]
    ),
    (
      #"{ "strategy": "start-first", "steps": [50] }"#, "[]", true,
      ["m.json: resources[0] 'container/app': update: unknown key 'steps'", "m.json: resources[1] 'site/web': routes[0].upstream: container/app is not declared in the manifests"]
    ),
  ]

  @Test(arguments: errorCases.indices) func manifestErrorsArePinned(_ i: Int) {
    let (update, ports, routed, expected) = Self.errorCases[i]
    do {
      _ = try decode(Self.manifest(version: 1, update: update, ports: ports, routed: routed), templates: bundledTemplates)
      Issue.record("expected errors")
    } catch {
      #expect(error.issues.map(\.description).sorted() == expected.sorted())
    }
  }

  /// Caddy 2.6 has no weights: a split lists each address as often as its reduced weight, taken in turn.
  @Test func aCaddySplitRepeatsEachAddressByItsWeight() {
    let route = ContainerRoute(container: ResourceID(kind: "container", name: "app"), name: "app", port: 8080, prefix: "/c", server: .caddy)
    #expect(
      route.block(servers: [("172.30.250.2", 80), ("172.30.250.3", 20)])
        == "(reconcile_app_8080) {\n\tto 172.30.250.2:8080 172.30.250.2:8080 172.30.250.2:8080 172.30.250.2:8080 172.30.250.3:8080\n\tlb_policy round_robin\n\tfail_duration 10s\n\tlb_try_duration 5s\n}\n"
    )
    #expect(route.addresses(in: route.block(servers: [("172.30.250.2", 95), ("172.30.250.3", 5)])) == ["172.30.250.2", "172.30.250.3"])
    #expect(route.block(servers: [("172.30.250.2", 95), ("172.30.250.3", 5)]).split(separator: " ").filter { $0.hasPrefix("172.30.250.2:") }.count == 19)
    #expect(route.block(servers: [("172.30.250.3", 1)]) == "(reconcile_app_8080) {\n\tto 172.30.250.3:8080\n\tfail_duration 10s\n\tlb_try_duration 5s\n}\n")
  }

  @Test func aSplitIsOneUpstreamWithWeights() {
    let route = ContainerRoute(container: ResourceID(kind: "container", name: "app"), name: "app", port: 8080, prefix: "/n")
    #expect(
      route.block(servers: [("172.30.250.2", 75), ("172.30.250.3", 25)])
        == "upstream reconcile_app_8080 {\n    server 172.30.250.2:8080 weight=75;\n    server 172.30.250.3:8080 weight=25;\n}\n")
    #expect(route.block(servers: [("172.30.250.3", 1)]) == route.block(address: "172.30.250.3"))
  }

  @Test func breachesAreJudgedOnceThereAreEnoughRequests() {
    let a = Rollout.Analysis()
    let bad = VersionFigures(requests: 12, errors: 3, p95: 0.2)
    #expect(bad.breaches(of: a, final: false).isEmpty, "12 requests are too few to end a step early")
    #expect(bad.breaches(of: a, final: true) == [.errorRate(errors: 3, requests: 12, limit: 5)])
    #expect(bad.breaches(of: a, final: true).map(\.text) == ["error rate 25% > 5% (3 of 12 requests)"])
    let slow = VersionFigures(requests: 40, errors: 0, p95: 3.456, healthFailures: 3, memoryPercent: 95.04)
    #expect(
      slow.breaches(of: a, final: false).map(\.text) == [
        "3 failed health checks in a row (limit 3)", "memory 95% of its limit > 90%", "p95 3.46s > 3s",
      ])
    #expect(VersionFigures(stopped: "exit code 3").breaches(of: a, final: false).map(\.text) == ["the new container stopped (exit code 3)"])
    #expect(VersionFigures(requests: 0).breaches(of: a, final: true).isEmpty, "no requests: nothing to judge by")
    #expect(VersionFigures(requests: 250, errors: 31, p95: 0.004).text == "250 requests, 31 errors (12.4%), p95 4ms")
    #expect(VersionFigures().text == "no requests reached it yet")
  }
}
