import Foundation

/// `site`: one virtual host of a managed nginx or Caddy, rendered from `templates/<server>/site.*` into
/// `PREFIX/sites/NAME.conf` (nginx) or `PREFIX/sites/NAME.caddy` (Caddy). Depends on its upstream containers and on
/// its certificate, except an ACME certificate whose HTTP-01 challenge the site itself serves: that one waits for
/// the site (which starts on a placeholder). Either way the server reloads after its certificate changes.
public struct SiteSpec: ResourceSpec {
  public let id: ResourceID
  public let server: ProxyServerKind
  /// The managed server's own directory (configuration generations, logs, pid).
  public let prefix: String
  /// Caddy's admin API address (`127.0.0.1:2019`); nil for nginx.
  public let admin: String?
  /// The rendered configuration of this site.
  public let config: Text
  public let certificates: [ResourceID]
  /// The certificate chain and key files the configuration names (their changes call for a reload).
  public let certificateFiles: [String]
  /// Certificates whose HTTP-01 challenges this site serves from `acmeWebroot`: they are issued after it.
  public let servesChallenges: [ResourceID]
  /// Names for a placeholder certificate when the site starts before its first issuance.
  public let serverNames: [String]
  public let containers: [ResourceID]
  /// Routes to containers without a published port and to services (the nodes that run their tasks): their
  /// addresses live in upstream files.
  public let containerRoutes: [ContainerRoute]

  public static let defaultPrefix: [ProxyServerKind: String] = [.nginx: "/var/lib/reconcile/nginx", .caddy: "/var/lib/reconcile/caddy"]

  public init(
    id: ResourceID, server: ProxyServerKind, prefix: String, admin: String? = nil, config: Text, certificates: [ResourceID] = [], certificateFiles: [String] = [],
    servesChallenges: [ResourceID] = [], serverNames: [String] = [], containers: [ResourceID] = [], containerRoutes: [ContainerRoute] = []
  ) {
    self.containerRoutes = containerRoutes
    self.id = id
    self.server = server
    self.prefix = prefix
    self.admin = admin
    self.config = config
    self.certificates = certificates
    self.certificateFiles = certificateFiles
    self.servesChallenges = servesChallenges
    self.serverNames = serverNames
    self.containers = containers
  }

  public var implicitDependencies: [ResourceID] { certificates.filter { !servesChallenges.contains($0) } + containers }
  public var dependents: [ResourceID] { servesChallenges }
  public var refreshedBy: [ResourceID] { certificates }
  public var refreshAction: String { "reload \(server.rawValue) at \(prefix)" }

  public var locator: [String: String] {
    var l = ["server": server.rawValue, "prefix": prefix]
    if let admin { l["admin"] = admin }
    return l
  }

  /// The file under the live configuration directory that holds this site.
  public var fileName: String { "sites/\(id.name).\(server.siteExtension)" }

  public var attributes: [Attribute] {
    [Attribute("config", config.value, sensitive: config.isSensitive, style: .content)]
  }

  /// A stopped server, or certificates that changed after the server last loaded them, need the site applied again.
  public func findings(observed: Observation, context: FindingContext) -> [Finding] {
    var out: [Finding] = []
    if observed.facts[.running] == "false" {
      out.append(Finding(.site(.notRunning(server, prefix: prefix)), effect: .update))
    } else if let live = observed.facts[.liveGeneration], observed.facts[.loadedGeneration] != live {
      let loaded = observed.facts[.loadedGeneration]
      out.append(Finding(.site(.configurationNotLoaded(server, prefix: prefix, loaded: loaded == "unknown" ? nil : loaded, live: live)), effect: .update))
    }
    if let moved = observed.facts[.upstreamMoved]?.split(separator: " ").map(String.init), moved.count == 3 {
      out.append(Finding(.site(.upstreamMoved(container: moved[0], from: moved[1], to: moved[2])), effect: .update))
    }
    if let loaded = observed.facts[.loadedCertificates], let current = observed.facts[.currentCertificates], loaded != current {
      out.append(Finding(.site(.certificatesChanged(server, certificates: certificates)), effect: .update))
    }
    return out
  }

  public static let descriptor = KindDescriptor(name: "site", readsPeers: ["container", "service", "certificate"]) { id, r, context in
    let server = r.choice("server", ["nginx", "caddy"]).flatMap(ProxyServerKind.init(rawValue:)) ?? .nginx
    var prefix = defaultPrefix[server]!
    if let p = r.string("prefix") {
      if ConfigValue.isPlainPath(p) { prefix = p } else { r.report("prefix", SiteModel.expectedPath(p)) }
      // nginx answers which configuration it runs on PREFIX/run/status.sock; a unix socket path has at most 107 bytes.
      if server == .nginx, p.utf8.count + "/run/status.sock".utf8.count > 107 {
        r.report("prefix", "is too long for nginx's status socket under it (at most \(107 - "/run/status.sock".utf8.count) bytes), got \(p.utf8.count)")
      }
    }
    var admin: String?
    if server == .caddy {
      admin = r.string("admin") ?? "127.0.0.1:2019"
      if let a = admin, !ConfigValue.isPlainAddress(a, portRequired: true) {
        r.report("admin", "expected HOST:PORT like \"127.0.0.1:2019\", got '\(a)'")
      }
    } else if r.object["admin"] != nil {
      r.report("admin", "only a caddy site has an admin API address")
    }
    guard let model = SiteModel.read(id: id, server: server, &r, peers: context.peers) else { return nil }
    if server == .caddy, model.rateLimit != nil {
      r.report("rateLimit", "Debian's Caddy has no rate limiting module (it needs the caddy-ratelimit plugin); use \"server\": \"nginx\" for a rate limit")
    }
    guard let config = SiteRenderer.render(model, template: r.string("template"), context: context, report: { r.report("template", $0) }) else { return nil }
    let certificates = model.tls.map { [id.sibling(kind: "certificate", name: $0.certificate)] } ?? []
    // An ACME certificate answered from this site's webroot can only be issued once the site serves it.
    let served = certificates.filter { c in
      guard let webroot = model.acmeWebroot, case .acme(_, _, let w, _, _)? = (context.peers[c] as? CertificateSpec)?.issuer else { return false }
      return OwnershipFields.withoutTrailingSlash(w) == OwnershipFields.withoutTrailingSlash(webroot)
    }
    return SiteSpec(
      id: id, server: server, prefix: prefix, admin: admin, config: Text(config), certificates: certificates, certificateFiles: model.tls.map { [$0.chain, $0.key] } ?? [],
      servesChallenges: served, serverNames: model.serverNames.filter { $0 != "_" },
      containers: model.routes.compactMap { r in r.container.map { id.sibling(kind: r.service ? "service" : "container", name: $0) } }.uniqued(),
      containerRoutes: model.routes.compactMap { r in
        r.dynamicPort.map { port in
          let target = id.sibling(kind: r.service ? "service" : "container", name: r.container!)
          return ContainerRoute(
            container: target, name: (context.peers[target] as? ContainerSpec)?.dockerName ?? target.name, port: port, prefix: prefix, server: server, admin: admin ?? "")
        }
      }.uniqued())
  }
}

/// Which server renders and serves a site.
public enum ProxyServerKind: String, Sendable, Hashable {
  case nginx, caddy

  var siteExtension: String { self == .nginx ? "conf" : "caddy" }
}

extension Array where Element: Hashable {
  func uniqued() -> [Element] {
    var seen = Set<Element>()
    return filter { seen.insert($0).inserted }
  }
}
