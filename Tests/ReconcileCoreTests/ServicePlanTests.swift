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
      text.contains("3 of 4 tasks running; Swarm is placing the others") && text.contains("Swarm rolled back the last update: update rolled back due to failure"), "\(text)")
    #expect(p.steps.allSatisfy { $0.why.allSatisfy(\.isReportOnly) }, "Swarm's own doings are reported, not fought")
  }

  static let routed = #"""
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "network", "name": "app-net", "driver": "overlay" },
      { "kind": "node", "name": "node-2", "labels": { "zone": "b" }, "availability": "active" },
      { "kind": "service", "name": "web", "image": "app:2", "replicas": 3, "ports": ["8080:80"], "endpointMode": "dnsrr",
        "networks": [ { "network": "network/app-net", "aliases": ["api"] } ], "mounts": [ { "volume": "volume/data", "target": "/data" } ],
        "healthcheck": { "command": "wget -q -O /dev/null http://127.0.0.1/health", "interval": "5s", "retries": 3 }, "stopTimeout": 5,
        "preferences": ["node.labels.zone"], "reserve": { "memory": "64m", "cpus": 0.25 },
        "update": { "order": "stop-first", "failureAction": "rollback", "maxFailureRatio": 0.2 }, "rollback": { "parallelism": 0 } },
      { "kind": "site", "name": "web", "serverNames": ["example.org"], "routes": [ { "path": "/", "upstream": "service/web:80" } ] } ] }
    """#

  /// Every Swarm field in the plan; the network comes first, the site after the service, and nginx reaches the
  /// tasks through an upstream of the nodes (with passive checks) at the published port, giving up a dead node soon.
  @Test func aClusterServiceWithItsRouteAndNodeLabels() throws {
    let m = try decode(Self.routed, templates: bundledTemplates)
    let p = plan(m)
    let text = PlanTextRenderer().render(p)
    #expect(
      text.contains(
        """
          + node/node-2 (not present on the host)
              name         = "node-2"
              label.zone   = "b"
              availability = "active"
        """), "\(text)")
    #expect(
      text.contains(
        """
          + service/web (not present on the host)
              name           = "web"
              image          = "app:2"
              mode           = "3 replicas"
              preferences    = "spread node.labels.zone"
              ports          = "8080:80/tcp (host mode)"
              endpointMode   = "dnsrr"
              networks       = "app-net (aliases: api)"
              mounts         = "volume/data:/data"
              healthcheck    = "CMD-SHELL 'wget -q -O /dev/null http://127.0.0.1/health'; interval 5s; retries 3"
              stopTimeout    = "5s"
              reserve.memory = "64MiB"
              reserve.cpus   = "0.25"
              update         = "parallelism 1, delay 0s, order stop-first, on failure rollback, monitor 5s, max failure ratio 0.2"
              rollback       = "parallelism 0, delay 0s, order stop-first, on failure pause, monitor 5s"
        """), "\(text)")
    let order = p.steps.map(\.id.description)
    #expect(order.firstIndex(of: "network/app-net")! < order.firstIndex(of: "service/web")!)
    #expect(order.firstIndex(of: "service/web")! < order.firstIndex(of: "site/web")!)
    #expect(text.contains("proxy_pass http://reconcile_service_web_8080;") && text.contains("proxy_connect_timeout 2s;"), "\(text)")
    let service = try #require(m[ResourceID(kind: "service", name: "web")]?.spec as? ServiceSpec)
    let route = try #require(service.routes.first)
    #expect(route.isService && route.port == 8080)
    #expect(
      route.block(servers: [("10.0.0.1", 1), ("10.0.0.2", 1)])
        == "upstream reconcile_service_web_8080 {\n    server 10.0.0.1:8080 max_fails=1 fail_timeout=2s;\n    server 10.0.0.2:8080 max_fails=1 fail_timeout=2s;\n}\n")
  }

  /// What the cluster did, as the plan says it: a node down, a version Swarm rolled back (not another one).
  @Test func aDownNodeAndARolledBackVersionAreNamed() throws {
    let m = try decode(Self.web)
    let spec = try #require(m[ResourceID(kind: "service", name: "web")]?.spec as? ServiceSpec)
    let down = PlanTextRenderer().render(plan(m, observed: ["service/web": Self.observed(m, facts: [.tasks: "2 4", .downNodes: "node-2"])], state: applied(m)))
    #expect(down.contains("~ service/web (2 of 4 tasks running; node 'node-2' is down)"), "\(down)")
    let facts: [Fact: String] = [.updateState: "rollback_completed", .updateMessage: "task: non-zero exit (1)", .rolledBackConfigHash: spec.configHash]
    let rolledBack = PlanTextRenderer().render(plan(m, observed: ["service/web": Self.observed(m, override: ["env.MODE": "dev"], facts: facts)], state: applied(m)))
    #expect(
      rolledBack.contains("~ service/web (env.MODE changed: 'dev' -> 'prod'; Swarm rolled back this version (task: non-zero exit (1)); applying tries it again)"),
      "\(rolledBack)")
  }

  @Test func aRouteToAServiceNeedsAPublishedPort() {
    do {
      _ = try decode(
        #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "service", "name": "web", "image": "app:2" }, { "kind": "site", "name": "s", "serverNames": ["a.org"], "routes": [ { "path": "/", "upstream": "service/web:80" } ] } ] }"#,
        templates: bundledTemplates)
      Issue.record("expected an error")
    } catch {
      #expect(
        error.issues.map(\.description) == [
          #"m.json: resources[1] 'site/s': routes[0].upstream: service/web publishes no port for its port 80 (a proxy reaches a service's tasks where they publish it in host mode): add one like "80:80" to its 'ports'"#
        ], "\(error.issues)")
    }
  }

  @Test func manifestErrors() {
    let cases: [(String, String)] = [
      (
        #""ports": ["127.0.0.1:8080:80"]"#,
        #"ports[0]: expected "PUBLISHED:TARGET[/tcp|udp]" like "8080:80" (published in host mode on each node that runs a task), got '127.0.0.1:8080:80'"#
      ),
      (
        #""ports": ["8080:80"], "update": { "order": "start-first" }"#,
        #"update.order: a port published in host mode is held by the old task on its node until it stops; with "ports" use "stop-first""#
      ),
      (#""rollback": { "parallelism": 2 }"#, #"rollback: applies when Swarm rolls an update back: set "update": { "failureAction": "rollback" } too"#),
      (#""preferences": ["zone"]"#, #"preferences[0]: expected a label to spread the tasks over, like "node.labels.zone", got 'zone'"#),
      (#""endpointMode": "mesh""#, "endpointMode: expected one of 'vip', 'dnsrr', got 'mesh'"),
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

/// The manifests docs/swarm.md shows are valid as written.
@Suite struct SwarmDocsExamplesTests {
  @Test func everyExampleInTheSwarmGuideDecodes() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/docs/swarm.md"
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let blocks = text.components(separatedBy: "```json\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
    #expect(blocks.count == 2)
    for block in blocks {
      do {
        let m = try decode(block, secrets: ["DB_PASSWORD": "db-password-1", "JULES_API_KEY": "api-key-12345", "JULES_LOCAL_TOKEN": "local-token-123"], templates: bundledTemplates)
        #expect(m.resources.contains { $0.id.kind == "service" })
      } catch {
        Issue.record("docs/swarm.md example does not decode: \(error.issues)")
      }
    }
  }
}

/// `user` and `group` in the plan: what is created, and what an account's drift looks like.
@Suite struct AccountPlanTests {
  static let jit = #"""
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "group", "name": "jit" },
      { "kind": "user", "name": "jit", "group": "jit", "groups": ["docker"], "home": "/var/lib/jit" } ] }
    """#

  @Test func aServiceUserAfterItsGroup() throws {
    let m = try decode(Self.jit)
    let p = plan(m)
    #expect(p.steps.map(\.id.description) == ["group/jit", "user/jit"])
    let text = PlanTextRenderer().render(p)
    #expect(
      text.contains(
        """
          + user/jit (not present on the host)
              name   = "jit"
              root   = "/"
              group  = "jit"
              groups = "docker"
              home   = "/var/lib/jit"
              shell  = "/usr/sbin/nologin"
        """), "\(text)")
    let observed = Observation(exists: true, attributes: ["uid": "999", "group": "jit", "groups": "", "home": "/var/lib/jit", "shell": "/bin/bash"])
    let drift = PlanTextRenderer().render(plan(m, observed: ["user/jit": observed, "group/jit": Observation(exists: true)], state: applied(m)))
    #expect(drift.contains("~ user/jit (groups changed: '' -> 'docker'; shell changed: '/bin/bash' -> '/usr/sbin/nologin')"), "\(drift)")
  }

  @Test func namesAndPathsAreChecked() {
    #expect(
      issues(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "user", "name": "Jit", "shell": "bash", "createHome": true } ] }"#) == [
        #"m.json: resources[0] 'user/Jit': name: expected a name like "jit" (lower-case letters, digits, '_', '-', starting with a letter or '_', at most 32), got 'Jit'"#,
        #"m.json: resources[0] 'user/Jit': shell: expected an absolute path like "/bin/bash", got 'bash'"#,
        "m.json: resources[0] 'user/Jit': createHome: needs a 'home' to make",
      ])
  }
}
