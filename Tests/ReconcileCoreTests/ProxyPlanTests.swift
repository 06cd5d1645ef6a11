import Foundation
import Testing
@testable import ReconcileCore

/// The bundled `templates/` of the repository, for decoding sites as a user would.
let bundledTemplates: [String: String] = {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/templates"
  var out: [String: String] = [:]
  for dir in ["nginx", "caddy"] {
    for f in (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(dir)")) ?? [] {
      out["\(dir)/\(f)"] = try? String(contentsOfFile: "\(root)/\(dir)/\(f)", encoding: .utf8)
      out["\(dir)/\(f.replacingOccurrences(of: ".mustache", with: ""))"] = out["\(dir)/\(f)"]
    }
  }
  return out
}()

/// Golden plans and renders of `site` and `certificate`: expiry is observed state, decisions are the planner's.
@Suite struct ProxyPlanTests {
  static func manifest(_ resources: String) -> String { #"{ "apiVersion": "reconcile/v1", "resources": [ \#(resources) ] }"# }

  static let cert = #"{ "kind": "certificate", "name": "site", "domains": ["b.example.org", "a.example.org"], "directory": "/c/site", "issuer": { "type": "self-signed" } }"#

  static func certObserved(notAfter: Date, placeholder: Bool = false) -> Observation {
    var facts: [Fact: String] = [.notAfter: String(Int(notAfter.timeIntervalSince1970))]
    if placeholder { facts[.placeholder] = "true" }
    return Observation(exists: true, attributes: ["domains": "a.example.org,b.example.org", "keyType": "ecdsa-p256", "issuer": "self-signed"], facts: facts)
  }

  @Test func renewalShowsTheDaysLeft() throws {
    let m = try decode(Self.manifest(Self.cert))
    let p = plan(m, observed: ["certificate/site": Self.certObserved(notAfter: epoch.addingTimeInterval(12 * 86400 + 3600))], state: applied(m))
    #expect(
      PlanTextRenderer().render(p) == """
        reconcile will perform these actions:

          ~ certificate/site (renew: expires in 12 days)
              notAfter = "2027-01-27T09:00:00Z" -> "(renewed)"

        Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.

        """)
  }

  @Test func farFromExpiryIsNoChange() throws {
    let m = try decode(Self.manifest(Self.cert))
    let p = plan(m, observed: ["certificate/site": Self.certObserved(notAfter: epoch.addingTimeInterval(31 * 86400))], state: applied(m))
    #expect(p.isEmpty)
  }

  @Test func renewBeforeIsTheManifests() throws {
    let m = try decode(Self.manifest(Self.cert.replacingOccurrences(of: #""name": "site","#, with: #""name": "site", "renewBefore": "60d","#)))
    let p = plan(m, observed: ["certificate/site": Self.certObserved(notAfter: epoch.addingTimeInterval(45 * 86400))], state: applied(m))
    #expect(p.steps.map(\.reasons) == [["renew: expires in 45 days"]])
  }

  @Test func expiredAndPlaceholderCertificates() throws {
    let m = try decode(Self.manifest(Self.cert))
    let expired = plan(m, observed: ["certificate/site": Self.certObserved(notAfter: epoch.addingTimeInterval(-3 * 86400))], state: applied(m))
    #expect(expired.steps.map(\.reasons) == [["renew: expired 3 days ago"]])
    let placeholder = plan(m, observed: ["certificate/site": Self.certObserved(notAfter: epoch.addingTimeInterval(86400), placeholder: true)], state: applied(m))
    #expect(placeholder.steps.map(\.reasons) == [["issue: only a placeholder certificate is in place"]])
  }

  @Test func issuerChangeIsAnUpdate() throws {
    let m = try decode(Self.manifest(Self.cert))
    var obs = Self.certObserved(notAfter: epoch.addingTimeInterval(80 * 86400))
    obs.attributes["issuer"] = "acme https://acme.example/dir"
    #expect(plan(m, observed: ["certificate/site": obs], state: applied(m)).steps.map(\.reasons) == [["issuer changed: 'acme https://acme.example/dir' -> 'self-signed'"]])
  }

  static let site = #"""
    { "kind": "site", "name": "web", "prefix": "/srv/nginx", "serverNames": ["example.org", "www.example.org"], "listen": "127.0.0.1:8080",
      "tls": { "certificate": "site", "listen": "127.0.0.1:8443", "directory": "/c/site" }, "acmeWebroot": "/srv/acme",
      "routes": [ { "path": "/jules/", "upstream": "127.0.0.1:18080", "websocket": true } ], "root": "/srv/www", "spa": true,
      "maxBodySize": "20m", "rateLimit": { "rate": "10r/s", "burst": 20 } }
    """#

  @Test func nginxSiteRendersEveryFeature() throws {
    let m = try decode(Self.manifest(Self.cert + "," + Self.site), templates: bundledTemplates)
    let spec = try #require(m[ResourceID(kind: "site", name: "web")]?.spec as? SiteSpec)
    #expect(m[spec.id]?.dependsOn == [ResourceID(kind: "certificate", name: "site")])
    #expect(spec.certificateFiles == ["/c/site/fullchain.pem", "/c/site/privkey.pem"])
    #expect(
      spec.config.value == """
        # site/web: managed by reconcile; hand edits show in `reconcile drift` and are reverted by `reconcile apply`.
        limit_req_zone $binary_remote_addr zone=reconcile_site_web:10m rate=10r/s;

        server {
            listen 127.0.0.1:8080;
            server_name example.org www.example.org;

            location ^~ /.well-known/acme-challenge/ {
                root /srv/acme;
                default_type text/plain;
            }

            location / {
                return 301 https://$host:8443$request_uri;
            }
        }

        server {
            listen 127.0.0.1:8443 ssl http2;
            server_name example.org www.example.org;
            ssl_certificate /c/site/fullchain.pem;
            ssl_certificate_key /c/site/privkey.pem;
            ssl_protocols TLSv1.2 TLSv1.3;
            add_header Strict-Transport-Security "max-age=31536000" always;
            add_header X-Content-Type-Options nosniff always;
            add_header X-Frame-Options SAMEORIGIN always;
            add_header Referrer-Policy strict-origin-when-cross-origin always;
            client_max_body_size 20m;
            gzip on;
            gzip_types text/css text/plain application/javascript application/json image/svg+xml;
            limit_req zone=reconcile_site_web burst=20 nodelay;
            limit_req_status 429;

            location /jules/ {
                proxy_pass http://127.0.0.1:18080;
                proxy_http_version 1.1;
                proxy_set_header Host $host;
                proxy_set_header X-Real-IP $remote_addr;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_set_header X-Forwarded-Proto $scheme;
                proxy_set_header Upgrade $http_upgrade;
                proxy_set_header Connection $reconcile_connection_upgrade;
                proxy_read_timeout 1h;
            }

            root /srv/www;
            location / {
                try_files $uri $uri/ /index.html;
            }
        }

        """)
  }

  @Test func caddySiteRenders() throws {
    let site = #"""
      { "kind": "site", "name": "web", "server": "caddy", "admin": "127.0.0.1:20190", "prefix": "/srv/caddy", "serverNames": ["example.org"], "listen": "127.0.0.1:8080",
        "routes": [ { "path": "/api", "upstream": "http://127.0.0.1:9000", "stripPrefix": true } ], "gzip": false }
      """#
    let m = try decode(Self.manifest(site), templates: bundledTemplates)
    let spec = try #require(m[ResourceID(kind: "site", name: "web")]?.spec as? SiteSpec)
    #expect(spec.locator == ["server": "caddy", "prefix": "/srv/caddy", "admin": "127.0.0.1:20190"])
    #expect(
      spec.config.value == """
        # site/web: managed by reconcile; hand edits show in `reconcile drift` and are reverted by `reconcile apply`.
        http://example.org:8080 {
        \tbind 127.0.0.1
        \theader {
        \t\tX-Content-Type-Options nosniff
        \t\tX-Frame-Options SAMEORIGIN
        \t\tReferrer-Policy strict-origin-when-cross-origin
        \t}
        \trequest_body {
        \t\tmax_size 10MB
        \t}
        \thandle_path /api/* {
        \t\treverse_proxy 127.0.0.1:9000 {
        \t\t\theader_up X-Real-IP {remote_host}
        \t\t}
        \t}
        }

        """)
  }

  static func jules(_ ports: String) -> String {
    #"{ "kind": "container", "name": "jules", "image": "local/jules:1", "ports": \#(ports) }"#
  }

  static func routed(_ server: String) -> String {
    #"{ "kind": "site", "name": "web", "server": "\#(server)", "serverNames": ["example.org"], "routes": [ { "path": "/jules/", "upstream": "container/jules:3001" } ] }"#
  }

  @Test func containerUpstreamResolvesToWhereTheManifestsPublishIt() throws {
    for (ports, address) in [(#"["127.0.0.1:18081:3001"]"#, "127.0.0.1:18081"), (#"["9000:80", "0.0.0.0:18082:3001/tcp"]"#, "127.0.0.1:18082")] {
      let m = try decode(Self.manifest(Self.routed("nginx") + "," + Self.jules(ports)), templates: bundledTemplates)
      let site = try #require(m[ResourceID(kind: "site", name: "web")])
      #expect(site.dependsOn == [ResourceID(kind: "container", name: "jules")])
      #expect((site.spec as? SiteSpec)?.config.value.contains("proxy_pass http://\(address);") == true, "\(ports)")
      let caddy = try decode(Self.manifest(Self.routed("caddy") + "," + Self.jules(ports)), templates: bundledTemplates)
      #expect((caddy[site.id]?.spec as? SiteSpec)?.config.value.contains("reverse_proxy \(address) {") == true, "Caddy routes to containers too")
    }
  }

  @Test func aContainerPortMovedInTheManifestsIsAConfigChangeInThePlan() throws {
    let before = try decode(Self.manifest(Self.routed("nginx") + "," + Self.jules(#"["127.0.0.1:18081:3001"]"#)), templates: bundledTemplates)
    let after = try decode(Self.manifest(Self.routed("nginx") + "," + Self.jules(#"["127.0.0.1:18090:3001"]"#)), templates: bundledTemplates)
    let old = try #require(before[ResourceID(kind: "site", name: "web")]?.spec as? SiteSpec)
    let p = plan(
      after, observed: ["site/web": Observation(exists: true, attributes: ["config": old.config.value]), "container/jules": .absent], state: applied(before))
    let text = PlanTextRenderer().render(p)
    #expect(text.contains("~ site/web (config changed)"), "\(text)")
    #expect(text.contains("-        proxy_pass http://127.0.0.1:18081;") && text.contains("+        proxy_pass http://127.0.0.1:18090;"), "\(text)")
  }

  /// A container that publishes no host port for the route is reached on its network: nginx proxies to an upstream
  /// the container's replacement moves, and the container knows which nginx routes to it.
  @Test func aContainerWithoutAPublishedPortIsReachedThroughAMovableUpstream() throws {
    let m = try decode(Self.manifest(Self.routed("nginx") + "," + Self.jules("[]")), templates: bundledTemplates)
    let site = try #require(m[ResourceID(kind: "site", name: "web")]?.spec as? SiteSpec)
    #expect(site.config.value.contains("proxy_pass http://reconcile_jules_3001;"), "\(site.config.value)")
    let route = ContainerRoute(container: ResourceID(kind: "container", name: "jules"), name: "jules", port: 3001, prefix: "/var/lib/reconcile/nginx")
    #expect(site.containerRoutes == [route])
    let container = try #require(m[ResourceID(kind: "container", name: "jules")]?.spec as? ContainerSpec)
    #expect(container.routes == [route] && container.switchesTraffic)
    #expect(route.block(address: "172.17.0.5") == "upstream reconcile_jules_3001 {\n    server 172.17.0.5:3001;\n}\n")
    #expect(route.addresses(in: route.block(servers: [("172.17.0.5", 1), ("172.17.0.6", 1)])) == ["172.17.0.5", "172.17.0.6"])

    // Caddy too (its other published ports do not matter): the site imports a snippet of the container's addresses.
    let caddy = try decode(Self.manifest(Self.routed("caddy") + "," + Self.jules(#"["127.0.0.1:9000:80"]"#)), templates: bundledTemplates)
    let caddySite = try #require(caddy[ResourceID(kind: "site", name: "web")]?.spec as? SiteSpec)
    #expect(caddySite.config.value.contains("\t\treverse_proxy  {\n\t\t\timport reconcile_jules_3001\n"), "\(caddySite.config.value)")
    let caddyRoute = try #require(caddySite.containerRoutes.first)
    #expect(caddyRoute.server == .caddy && caddyRoute.fileName == "routes/reconcile_jules_3001.caddy")
    let snippet = caddyRoute.block(servers: [("172.17.0.5", 1), ("172.17.0.6", 1)])
    #expect(snippet == "(reconcile_jules_3001) {\n\tto 172.17.0.5:3001 172.17.0.6:3001\n\tfail_duration 10s\n\tlb_try_duration 5s\n}\n")
    #expect(caddyRoute.addresses(in: snippet) == ["172.17.0.5", "172.17.0.6"])
  }

  @Test func containerUpstreamErrorsSayWhatTheManifestsLack() throws {
    for (server, extra, message) in [
      ("nginx", "", "routes[0].upstream: container/jules is not declared in the manifests"),
      ("caddy", "", "routes[0].upstream: container/jules is not declared in the manifests"),
    ] {
      do {
        _ = try decode(Self.manifest(Self.routed(server) + extra), templates: bundledTemplates)
        Issue.record("a route to an unreachable container must not validate")
      } catch {
        #expect(error.issues.map(\.description) == ["m.json: resources[0] 'site/web': \(message)"])
      }
    }
  }

  /// An ACME certificate whose HTTP-01 challenge the site serves from its webroot.
  static let acmeCert = #"""
    { "kind": "certificate", "name": "site", "domains": ["example.org"], "directory": "/c/site",
      "issuer": { "type": "acme", "directory": "https://acme.test/dir", "webroot": "/srv/acme/" } }
    """#

  @Test func firstIssuanceThroughTheSitesWebrootStartsTheSiteFirstAndReloadsItAfter() throws {
    let m = try decode(Self.manifest(Self.acmeCert + "," + Self.site), templates: bundledTemplates)
    let site = ResourceID(kind: "site", name: "web"), cert = ResourceID(kind: "certificate", name: "site")
    #expect(m[site]?.dependsOn == [], "the site starts on a placeholder: it does not wait for the certificate it serves the challenge of")
    #expect(m[cert]?.dependsOn == [site])
    let p = plan(m)
    #expect(p.steps.map(\.id) == [site, cert])
    #expect(p.steps.map(\.after) == [[], [site]])
    #expect(p.steps[1].refreshes.map(\.id) == [site])
    let text = PlanTextRenderer().render(p)
    #expect(text.contains("then refresh site/web: reload nginx at /srv/nginx\n"), "\(text)")
    #expect(text.hasSuffix("Plan: 2 to add, 0 to change, 0 to replace, 0 to destroy, 1 to refresh.\n"), "\(text)")
    let doc = PlanDocument(p, manifestDigest: m.digest, state: StateSnapshot(lineage: "l"))
    #expect(doc.resourceChanges[1].refreshes == [PlanDocument.RefreshNote(address: "site/web", action: "reload nginx at /srv/nginx")])
    #expect(doc.summary.refresh == 1 && doc.resourceChanges[0].refreshes == nil)
  }

  @Test func renewalReloadsTheSiteAsARefreshInThePlan() throws {
    let m = try decode(Self.manifest(Self.cert + "," + Self.site), templates: bundledTemplates)
    let spec = try #require(m[ResourceID(kind: "site", name: "web")]?.spec as? SiteSpec)
    let p = plan(
      m,
      observed: [
        "certificate/site": Self.certObserved(notAfter: epoch.addingTimeInterval(12 * 86400 + 3600)),
        "site/web": Observation(exists: true, attributes: ["config": spec.config.value]),
      ],
      state: applied(m))
    #expect(
      PlanTextRenderer().render(p) == """
        reconcile will perform these actions:

          ~ certificate/site (renew: expires in 12 days)
              notAfter = "2027-01-27T09:00:00Z" -> "(renewed)"
              then refresh site/web: reload nginx at /srv/nginx

        Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy, 1 to refresh.

        """)
    // A site that changes anyway runs after its certificate and loads it itself: no separate refresh.
    let both = plan(
      m,
      observed: [
        "certificate/site": Self.certObserved(notAfter: epoch.addingTimeInterval(12 * 86400 + 3600)),
        "site/web": Observation(exists: true, attributes: ["config": "# edited by hand\n"]),
      ],
      state: applied(m))
    #expect(both.steps.map(\.id.description) == ["certificate/site", "site/web"])
    #expect(both.refreshCount == 0)
  }

  @Test func siteFindings() throws {
    let m = try decode(Self.manifest(Self.cert + "," + Self.site), templates: bundledTemplates)
    let spec = try #require(m[ResourceID(kind: "site", name: "web")]?.spec as? SiteSpec)
    let facts: [Fact: String] = [.running: "false", .loadedCertificates: "a,b", .currentCertificates: "c,b"]
    let p = plan(
      m,
      observed: [
        "certificate/site": Self.certObserved(notAfter: epoch.addingTimeInterval(80 * 86400)),
        "site/web": Observation(exists: true, attributes: ["config": spec.config.value], facts: facts),
      ],
      state: applied(m))
    #expect(
      PlanTextRenderer().render(p) == """
        reconcile will perform these actions:

          ~ site/web (start: nginx at '/srv/nginx' is not running; reload: certificate/site changed since nginx last loaded it)

        Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.

        """)
  }

  @Test func handEditShowsAsAContentDiff() throws {
    let m = try decode(Self.manifest(Self.cert + "," + Self.site), templates: bundledTemplates)
    let spec = try #require(m[ResourceID(kind: "site", name: "web")]?.spec as? SiteSpec)
    let edited = spec.config.value.replacingOccurrences(of: "client_max_body_size 20m;", with: "client_max_body_size 1g;")
    let p = plan(
      m,
      observed: [
        "certificate/site": Self.certObserved(notAfter: epoch.addingTimeInterval(80 * 86400)),
        "site/web": Observation(exists: true, attributes: ["config": edited], facts: [.running: "true"]),
      ],
      state: applied(m))
    let text = PlanTextRenderer().render(p)
    #expect(text.contains("~ site/web (config changed)"))
    #expect(text.contains("-    client_max_body_size 1g;\n") && text.contains("+    client_max_body_size 20m;\n"))
  }

  static let errorCases: [(String, [String])] = [
    (#"{ "kind": "site", "name": "e", "serverNames": ["a.org"] }"#, ["m.json: resources[0] 'site/e': expected 'routes' or a 'root' to serve"]),
    (
      #"{ "kind": "site", "name": "w", "serverNames": ["bad name"], "listen": "99999", "routes": [ { "path": "jules", "upstream": "container/x" } ] }"#,
      [
        "m.json: resources[0] 'site/w': listen: expected a port or ADDRESS:PORT like \"127.0.0.1:8080\", got '99999'",
        "m.json: resources[0] 'site/w': routes[0].path: expected a path prefix like \"/jules/\", got 'jules'",
        "m.json: resources[0] 'site/w': serverNames[0]: expected a DNS name like \"example.org\", got 'bad name'",
      ]
    ),
    (
      #"{ "kind": "site", "name": "w", "server": "caddy", "serverNames": ["a.org"], "routes": [ { "path": "/", "upstream": "container/x:80" } ], "rateLimit": { "rate": "5r/s" } }"#,
      [
        "m.json: resources[0] 'site/w': rateLimit: Debian's Caddy has no rate limiting module (it needs the caddy-ratelimit plugin); use \"server\": \"nginx\" for a rate limit",
        "m.json: resources[0] 'site/w': routes[0].upstream: container/x is not declared in the manifests",
      ]
    ),
    (
      #"{ "kind": "certificate", "name": "c", "domains": ["a.org"], "keyType": "rsa-4096", "renewBefore": "soon", "issuer": { "type": "acme", "directory": "ftp://x" } }"#,
      [
        "m.json: resources[0] 'certificate/c': issuer.directory: expected an ACME directory URL, got 'ftp://x'",
        "m.json: resources[0] 'certificate/c': issuer.webroot: is required",
        "m.json: resources[0] 'certificate/c': keyType: expected one of 'ecdsa-p256', 'rsa-2048', got 'rsa-4096'",
        "m.json: resources[0] 'certificate/c': renewBefore: expected a duration like \"30s\", \"5m\" or \"1h30m\", got 'soon'",
      ]
    ),
    (
      #"{ "kind": "certificate", "name": "c", "domains": [], "issuer": { "type": "self-signd" } }"#,
      [
        "m.json: resources[0] 'certificate/c': domains: expected at least one domain name",
        "m.json: resources[0] 'certificate/c': issuer.type: expected one of 'acme', 'self-signed', 'files', got 'self-signd' (did you mean 'self-signed'?)",
      ]
    ),
  ]

  @Test(arguments: errorCases.indices) func manifestErrorsArePinned(_ i: Int) {
    let (resource, expected) = Self.errorCases[i]
    do {
      _ = try decode(Self.manifest(resource), templates: bundledTemplates)
      Issue.record("expected errors")
    } catch {
      #expect(error.issues.map(\.description).sorted() == expected.sorted())
    }
  }
}

/// Certificates that would renew forever are refused at validation.
@Suite struct CertificateValidationTests {
  @Test func aSelfSignedCertificateMustOutliveItsRenewalWindow() {
    let json =
      #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "certificate", "name": "c", "domains": ["a.example"], "directory": "/c", "renewBefore": "30d", "issuer": { "type": "self-signed", "days": 30 } } ] }"#
    #expect(
      issues(json) == ["m.json: resources[0] 'certificate/c': renewBefore: a self-signed certificate valid 30 days must renew less than 30 days before it expires, got 30 days"])
    #expect(issues(json.replacingOccurrences(of: #""days": 30"#, with: #""days": 31"#)).isEmpty)
  }
}
