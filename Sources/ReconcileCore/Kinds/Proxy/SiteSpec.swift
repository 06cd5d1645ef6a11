import Foundation

/// `site`: one virtual host of a managed nginx or Caddy, rendered from `templates/<server>/site.*` into
/// `PREFIX/sites/NAME.conf` (nginx) or `PREFIX/sites/NAME.caddy` (Caddy). Depends on its certificate and upstream containers.
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
  public let containers: [ResourceID]
  /// Container ports the configuration reaches through a generated upstream, resolved by the driver.
  public let containerRoutes: [ContainerRoute]
  /// The manifest file the site was declared in: where the driver looks up a container's published ports.
  public let manifestFile: String

  public static let defaultPrefix: [ProxyServerKind: String] = [.nginx: "/var/lib/reconcile/nginx", .caddy: "/var/lib/reconcile/caddy"]

  public init(
    id: ResourceID, server: ProxyServerKind, prefix: String, admin: String? = nil, config: Text, certificates: [ResourceID] = [], certificateFiles: [String] = [],
    containerRoutes: [ContainerRoute] = [], manifestFile: String = ""
  ) {
    self.id = id
    self.server = server
    self.prefix = prefix
    self.admin = admin
    self.config = config
    self.certificates = certificates
    self.certificateFiles = certificateFiles
    self.containerRoutes = containerRoutes
    self.containers = containerRoutes.map { ResourceID(kind: "container", name: $0.container) }.uniqued()
    self.manifestFile = manifestFile
  }

  public var implicitDependencies: [ResourceID] { certificates + containers }

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
  public func findings(observed: Observation, now: Date) -> [Finding] {
    var out: [Finding] = []
    if observed.facts["running"] == "false" {
      out.append(Finding(reason: "start: \(server.rawValue) at '\(prefix)' is not running", effect: .update))
    }
    if let loaded = observed.facts["certificates.loaded"], let current = observed.facts["certificates.current"], loaded != current {
      let names = certificates.map(\.description).joined(separator: ", ")
      out.append(Finding(reason: "reload: \(names) changed since \(server.rawValue) last loaded it", effect: .update))
    }
    if let want = observed.facts["upstreams.resolved"], want != observed.facts["upstreams.written"] {
      out.append(Finding(reason: "upstream addresses changed: '\(observed.facts["upstreams.written"] ?? "(none)")' -> '\(want)'", effect: .update))
    }
    return out
  }

  public static let descriptor = KindDescriptor(name: "site") { id, r, context in
    let server = r.choice("server", ["nginx", "caddy"]).flatMap(ProxyServerKind.init(rawValue:)) ?? .nginx
    var prefix = defaultPrefix[server]!
    if let p = r.string("prefix") {
      if p.hasPrefix("/") { prefix = p } else { r.report("prefix", "expected an absolute path, got '\(p)'") }
    }
    var admin: String?
    if server == .caddy {
      admin = r.string("admin") ?? "127.0.0.1:2019"
    } else if r.object["admin"] != nil {
      r.report("admin", "only a caddy site has an admin API address")
    }
    guard let model = SiteModel.read(id: id, server: server, &r) else { return nil }
    if server == .caddy, model.rateLimit != nil {
      r.report("rateLimit", "Caddy from Debian has no rate limiting (it needs a plugin); use \"server\": \"nginx\" for a rate limit")
    }
    if server == .caddy, model.routes.contains(where: { $0.container != nil }) {
      r.report("routes", "container upstreams are resolved for nginx sites only; give Caddy a plain address")
    }
    guard let config = SiteRenderer.render(model, template: r.string("template"), context: context, report: { r.report("template", $0) }) else { return nil }
    let routes = model.routes.compactMap { r in
      r.container.map { ContainerRoute(container: $0, port: r.port ?? 0, upstream: String(r.upstream.dropFirst("http://".count))) }
    }
    return SiteSpec(
      id: id, server: server, prefix: prefix, admin: admin, config: Text(config), certificates: model.tls.map { [ResourceID(kind: "certificate", name: $0.certificate)] } ?? [],
      certificateFiles: model.tls.map { [$0.chain, $0.key] } ?? [], containerRoutes: routes.uniqued(), manifestFile: r.file)
  }
}

/// A route to `container/NAME:PORT`: the configuration names the upstream; the driver writes where it is.
public struct ContainerRoute: Sendable, Hashable {
  public var container: String
  public var port: Int
  /// The nginx upstream name the site's configuration uses.
  public var upstream: String
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
