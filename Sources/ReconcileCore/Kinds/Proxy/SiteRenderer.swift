import Foundation

/// Renders a site's configuration from `templates/nginx/site.conf` or `templates/caddy/site.caddy` (user-overridable).
enum SiteRenderer {
  static func defaultTemplate(_ server: ProxyServerKind) -> String {
    server == .nginx ? "nginx/site.conf" : "caddy/site.caddy"
  }

  static func render(_ m: SiteModel, template: String?, context: DecodeContext, report: (String) -> Void) -> String? {
    let name = template ?? defaultTemplate(m.server)
    guard let (text, file) = context.templates.load(name) else {
      report("template '\(name)' was not found in the templates directories")
      return nil
    }
    do {
      return try Template(parsing: text, file: file).render(values(m), partials: context.templates)
    } catch {
      report("\(error)")
      return nil
    }
  }

  /// Everything a site template can use.
  static func values(_ m: SiteModel) -> [String: TemplateValue] {
    func flag(_ b: Bool) -> TemplateValue { .bool(b) }
    func opt(_ s: String?) -> TemplateValue { s.map { .text($0) } ?? .bool(false) }
    let httpHost = host(of: m.listen)
    var v: [String: TemplateValue] = [
      "name": .text(m.name),
      "serverNames": .text(m.serverNames.joined(separator: " ")),
      "listen": .text(m.listen),
      "httpAddresses": .text(m.serverNames.map { "http://\($0 == "_" ? "" : $0):\(SiteModel.port(of: m.listen))" }.joined(separator: ", ")),
      "bindHTTP": opt(httpHost),
      "root": opt(m.root),
      "spa": flag(m.spa),
      "gzip": flag(m.gzip),
      "maxBodySize": .text(m.maxBodySize),
      "maxBodyBytes": .text(caddySize(m.maxBodySize)),
      "acmeWebroot": opt(m.acmeWebroot),
      "redirect": flag(m.tls?.redirect ?? false),
      // nginx takes a bare word as is and a value with spaces in quotes (the defaults stay as they always were).
      "headers": .list(
        m.headers.map { h in
          .object(["name": .text(h.name), "value": .text(h.value.contains(where: { $0 == " " || $0 == ";" || $0 == "'" }) ? "\"\(h.value)\"" : h.value)])
        }),
      "routes": .list(
        m.routes.map { r in
          .object([
            "path": .text(r.path), "pathPattern": .text(r.path.hasSuffix("/") ? r.path + "*" : r.path + "/*"), "upstream": .text(r.upstream + (r.stripPrefix ? "/" : "")),
            // A container reached on its network: Caddy imports the snippet of its addresses (nginx names the upstream).
            "upstreamHost": .text(r.dynamicPort == nil ? String(r.upstream.dropFirst("http://".count)) : ""),
            "snippet": r.dynamicPort == nil ? .bool(false) : .text(String(r.upstream.dropFirst("http://".count))),
            "websocket": flag(r.websocket), "stripPrefix": flag(r.stripPrefix),
            // A service's nodes may go away: a connection to one that does not answer is given up soon.
            "service": flag(r.service),
          ])
        }),
      "rateLimit": m.rateLimit.map {
        .object([
          "zone": .text("reconcile_site_\(m.name.replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_"))"), "rate": .text($0.rate),
          "burst": .text("\($0.burst)"),
        ])
      } ?? .bool(false),
    ]
    if let t = m.tls {
      let port = SiteModel.port(of: t.listen)
      v["tls"] = .object([
        "certificate": .text(t.certificate), "listen": .text(t.listen), "chain": .text(t.chain), "key": .text(t.key), "hsts": flag(t.hsts), "http2": flag(t.http2),
        "httpsAddresses": .text(m.serverNames.map { "https://\($0):\(port)" }.joined(separator: ", ")), "bindHTTPS": opt(host(of: t.listen)),
      ])
      v["httpsPortSuffix"] = .text(port == "443" ? "" : ":\(port)")
    } else {
      v["tls"] = .bool(false)
      v["httpsPortSuffix"] = .text("")
    }
    return v
  }

  /// The host part of `127.0.0.1:8080` (nil for a bare port).
  static func host(of listen: String) -> String? {
    guard let colon = listen.lastIndex(of: ":") else { return nil }
    return String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
  }

  /// nginx sizes (`10m`) in Caddy's units (`10MB`).
  static func caddySize(_ s: String) -> String {
    guard let last = s.last?.lowercased() else { return s }
    switch last {
    case "k": return s.dropLast() + "KB"
    case "m": return s.dropLast() + "MB"
    case "g": return s.dropLast() + "GB"
    default: return s + "B"
    }
  }
}
