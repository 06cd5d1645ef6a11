import Foundation

/// The declared fields of a site, validated, before rendering.
struct SiteModel {
  struct TLS {
    var certificate: String
    var listen: String
    var chain: String
    var key: String
    var redirect: Bool
    var hsts: Bool
  }

  struct Route {
    var path: String
    /// `http://127.0.0.1:8080`, or for `container/NAME:PORT` the generated upstream `http://reconcile_container_NAME_PORT`.
    var upstream: String
    var container: String?
    var port: Int?
    var websocket: Bool
    var stripPrefix: Bool
  }

  struct RateLimit {
    var rate: String
    var burst: Int
  }

  var name: String
  var server: ProxyServerKind
  var serverNames: [String]
  var listen: String
  var tls: TLS?
  var routes: [Route]
  var root: String?
  var spa: Bool
  var gzip: Bool
  var maxBodySize: String
  var rateLimit: RateLimit?
  var acmeWebroot: String?

  static func read(id: ResourceID, server: ProxyServerKind, _ r: inout FieldReader) -> SiteModel? {
    let names = r.strings("serverNames") ?? []
    if names.isEmpty { r.report("serverNames", "expected at least one server name") }
    for (i, n) in names.enumerated() where !SiteNames.isDomain(n) && n != "_" {
      r.report("serverNames[\(i)]", "expected a DNS name like \"example.org\", got '\(n)'")
    }
    let listen = readListen(&r, "listen") ?? "80"
    var tls: TLS?
    if var t = r.object("tls") {
      let cert = t.string("certificate", required: true)
      let tlsListen = readListen(&t, "listen") ?? "443"
      var dir = cert.map { "\(CertificateSpec.defaultRoot)/\($0)" } ?? ""
      if let d = t.string("directory") {
        if d.hasPrefix("/") { dir = d } else { t.report("directory", "expected an absolute path, got '\(d)'") }
      }
      let redirect = t.bool("redirect") ?? true
      let hsts = t.bool("hsts") ?? true
      t.finish()
      if let cert { tls = TLS(certificate: cert, listen: tlsListen, chain: dir + "/fullchain.pem", key: dir + "/privkey.pem", redirect: redirect, hsts: hsts) }
    }
    var routes: [Route] = []
    for var o in r.objects("routes") ?? [] {
      defer { o.finish() }
      let path = o.string("path", required: true)
      let up = o.string("upstream", required: true)
      let ws = o.bool("websocket") ?? false
      let strip = o.bool("stripPrefix") ?? false
      guard let path, let up else { continue }
      guard path.hasPrefix("/"), !path.contains(where: { $0 == " " || $0 == ";" || $0 == "{" || $0 == "}" }) else {
        o.report("path", "expected a path prefix like \"/jules/\", got '\(path)'")
        continue
      }
      guard let route = Upstream.parse(up, site: id.name) else {
        o.report("upstream", "expected \"container/NAME:PORT\", \"HOST:PORT\" or \"http://HOST:PORT\", got '\(up)'")
        continue
      }
      routes.append(Route(path: path, upstream: route.url, container: route.container, port: route.port, websocket: ws, stripPrefix: strip))
    }
    let root = r.string("root")
    if let root, !root.hasPrefix("/") { r.report("root", "expected an absolute path, got '\(root)'") }
    let spa = r.bool("spa") ?? false
    if spa, root == nil { r.report("spa", "a single-page-app fallback needs a 'root'") }
    let gzip = r.bool("gzip") ?? true
    let body = r.string("maxBodySize") ?? "10m"
    if body.range(of: #"^[0-9]+[kmgKMG]?$"#, options: .regularExpression) == nil {
      r.report("maxBodySize", "expected a size like \"10m\", \"512k\" or \"1g\", got '\(body)'")
    }
    var limit: RateLimit?
    if var o = r.object("rateLimit") {
      let rate = o.string("rate", required: true)
      let burst = o.int("burst", in: 0...100_000) ?? 0
      o.finish()
      if let rate {
        if rate.range(of: #"^[0-9]+r/[sm]$"#, options: .regularExpression) != nil {
          limit = RateLimit(rate: rate, burst: burst)
        } else {
          r.report("rateLimit.rate", "expected requests per second or minute like \"10r/s\", got '\(rate)'")
        }
      }
    }
    let webroot = r.string("acmeWebroot")
    if let webroot, !webroot.hasPrefix("/") { r.report("acmeWebroot", "expected an absolute path, got '\(webroot)'") }
    if routes.isEmpty, root == nil, !(tls?.redirect ?? false) { r.report(nil, "expected 'routes' or a 'root' to serve") }
    return SiteModel(
      name: id.name, server: server, serverNames: names, listen: listen, tls: tls, routes: routes, root: root, spa: spa, gzip: gzip, maxBodySize: body, rateLimit: limit,
      acmeWebroot: webroot)
  }

  /// `80`, `8080`, `127.0.0.1:8080`, `[::1]:8080`.
  static func readListen(_ r: inout FieldReader, _ key: String) -> String? {
    guard let l = r.string(key) else { return nil }
    let port = l.split(separator: ":").last.flatMap { Int($0) }
    guard let port, (1...65535).contains(port), !l.contains(" ") else {
      r.report(key, "expected a port or ADDRESS:PORT like \"127.0.0.1:8080\", got '\(l)'")
      return nil
    }
    return l
  }

  /// The port part of a listen address.
  static func port(of listen: String) -> String { String(listen.split(separator: ":").last ?? "") }
}

/// Parses a route's upstream.
enum Upstream {
  static func parse(_ s: String, site: String) -> (url: String, container: String?, port: Int?)? {
    if s.hasPrefix("container/") {
      let rest = s.dropFirst("container/".count)
      guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else { return nil }
      let name = String(rest[..<colon])
      guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else { return nil }
      return ("http://\(containerUpstreamName(site: site, name, port))", name, port)
    }
    let bare = s.hasPrefix("http://") ? String(s.dropFirst(7)) : s
    guard !bare.isEmpty, !bare.contains(where: { $0 == " " || $0 == ";" || $0 == "{" || $0 == "}" }) else { return nil }
    let hostPort = bare.split(separator: "/", maxSplits: 1).first.map(String.init) ?? bare
    guard let p = hostPort.split(separator: ":").last.flatMap({ Int($0) }), (1...65535).contains(p) else { return nil }
    return ("http://\(hostPort)", nil, nil)
  }

  /// The generated nginx upstream of a site's container port: `reconcile_web__jules_8080`.
  static func containerUpstreamName(site: String, _ name: String, _ port: Int) -> String {
    func clean(_ s: String) -> String { s.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined() }
    return "reconcile_\(clean(site))__\(clean(name))_\(port)"
  }
}

/// DNS name checks shared by sites and certificates.
enum SiteNames {
  static func isDomain(_ s: String) -> Bool {
    guard !s.isEmpty, s.count <= 253 else { return false }
    let labels = s.split(separator: ".", omittingEmptySubsequences: false)
    return labels.enumerated().allSatisfy { i, l in
      (l == "*" && i == 0) || (!l.isEmpty && l.count <= 63 && l.first != "-" && l.last != "-" && l.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
    }
  }
}
