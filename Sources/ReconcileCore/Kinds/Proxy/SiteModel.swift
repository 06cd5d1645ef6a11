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
    /// HTTP/2 on the TLS listener (nginx's `http2`; Caddy speaks it over TLS by itself).
    var http2: Bool
  }

  struct Route {
    var path: String
    /// `http://127.0.0.1:8080`; for `container/NAME:PORT`, the address where the container publishes that port.
    var upstream: String
    var container: String?
    /// For a container that publishes no host port for it: the port nginx reaches on the container's own address;
    /// for a service, the port its tasks publish on each node.
    var dynamicPort: Int? = nil
    /// The route reaches a Swarm service's tasks on the nodes that run them (`container` is the service's name).
    var service = false
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
  /// Response headers, by name: the security defaults, overridden or completed by the site's `headers`.
  var headers: [(name: String, value: String)]

  /// Sent on every response unless the site's `headers` say otherwise.
  static let defaultHeaders: [(name: String, value: String)] = [
    ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "SAMEORIGIN"), ("Referrer-Policy", "strict-origin-when-cross-origin"),
  ]

  static func read(id: ResourceID, server: ProxyServerKind, _ r: inout FieldReader, peers: [ResourceID: any ResourceSpec]) -> SiteModel? {
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
      // The certificate's own directory when it is declared (the usual case), else the default for its name.
      let peer = cert.flatMap { peers[id.sibling(kind: "certificate", name: $0)] as? CertificateSpec }
      var dir = peer?.directory ?? cert.map { "\(CertificateSpec.defaultRoot)/\($0)" } ?? ""
      if let d = t.string("directory") {
        if ConfigValue.isPlainPath(d) { dir = d } else { t.report("directory", Self.expectedPath(d)) }
      } else if !dir.isEmpty, !ConfigValue.isPlainPath(dir) {
        t.report("certificate", "the certificate's directory '\(dir)' cannot be rendered into the configuration\(ConfigValue.offending(dir))")
      }
      let redirect = t.bool("redirect") ?? true
      let hsts = t.bool("hsts") ?? true
      let http2 = t.bool("http2") ?? true
      t.finish()
      if let cert {
        tls = TLS(certificate: cert, listen: tlsListen, chain: dir + "/fullchain.pem", key: dir + "/privkey.pem", redirect: redirect, hsts: hsts, http2: http2)
      }
    }
    var routes: [Route] = []
    let declared = r.objects("routes") ?? []
    for var o in declared {
      defer { o.finish() }
      let path = o.string("path", required: true)
      let up = o.string("upstream", required: true)
      let ws = o.bool("websocket") ?? false
      let strip = o.bool("stripPrefix") ?? false
      guard let path, let up else { continue }
      guard ConfigValue.isPlainPath(path) else {
        o.report("path", "expected a path prefix like \"/jules/\", got '\(path)'\(ConfigValue.offending(path))")
        continue
      }
      switch Upstream.parse(up) {
      case nil:
        o.report("upstream", "expected \"container/NAME:PORT\", \"service/NAME:PORT\", \"HOST:PORT\" or \"http://HOST:PORT\", got '\(up)'")
      case .service(let name, let port)?:
        let service = id.sibling(kind: "service", name: name)
        guard let spec = peers[service] as? ServiceSpec else {
          o.report("upstream", "\(service) is not declared in the manifests")
          continue
        }
        guard let published = spec.publishedPort(for: port) else {
          o.report(
            "upstream",
            "\(service) publishes no port for its port \(port) (a proxy reaches a service's tasks where they publish it in host mode): add one like \"\(port):\(port)\" to its 'ports'"
          )
          continue
        }
        let upstream = ContainerRoute(container: service, name: name, port: published, prefix: "").upstreamName
        routes.append(Route(path: path, upstream: "http://\(upstream)", container: name, dynamicPort: published, service: true, websocket: ws, stripPrefix: strip))
      case .address(let hostPort)?:
        routes.append(Route(path: path, upstream: "http://\(hostPort)", container: nil, websocket: ws, stripPrefix: strip))
      case .container(let name, let port)?:
        let container = id.sibling(kind: "container", name: name)
        switch Upstream.published(container, port: port, peers: peers) {
        case .success(let hostPort): routes.append(Route(path: path, upstream: "http://\(hostPort)", container: name, websocket: ws, stripPrefix: strip))
        case .failure where peers[container] != nil:
          // No host port: the proxy reaches the container on its network, through an upstream the replacement moves.
          let upstream = ContainerRoute(container: container, name: name, port: port, prefix: "").upstreamName
          routes.append(Route(path: path, upstream: "http://\(upstream)", container: name, dynamicPort: port, websocket: ws, stripPrefix: strip))
        case .failure(let e):
          o.report("upstream", e.description)
        }
      }
    }
    let root = r.string("root")
    if let root, !ConfigValue.isPlainPath(root) { r.report("root", Self.expectedPath(root)) }
    let spa = r.bool("spa") ?? false
    if spa, root == nil { r.report("spa", "a single-page-app fallback needs a 'root'") }
    let gzip = r.bool("gzip") ?? true
    let body = r.string("maxBodySize") ?? "10m"
    if !ConfigValue.isSize(body, units: "kmgKMG") {
      r.report("maxBodySize", "expected a size like \"10m\", \"512k\" or \"1g\", got '\(body)'")
    }
    var limit: RateLimit?
    if var o = r.object("rateLimit") {
      let rate = o.string("rate", required: true)
      let burst = o.int("burst", in: 0...100_000) ?? 0
      o.finish()
      if let rate {
        if ConfigValue.isRequestRate(rate) {
          limit = RateLimit(rate: rate, burst: burst)
        } else {
          r.report("rateLimit.rate", "expected requests per second or minute like \"10r/s\", got '\(rate)'")
        }
      }
    }
    let webroot = r.string("acmeWebroot")
    if let webroot, !ConfigValue.isPlainPath(webroot) { r.report("acmeWebroot", Self.expectedPath(webroot)) }
    if declared.isEmpty, root == nil, !(tls?.redirect ?? false) { r.report(nil, "expected 'routes' or a 'root' to serve") }
    return SiteModel(
      name: id.name, server: server, serverNames: names, listen: listen, tls: tls, routes: routes, root: root, spa: spa, gzip: gzip, maxBodySize: body, rateLimit: limit,
      acmeWebroot: webroot, headers: readHeaders(&r))
  }

  /// `"headers": { "Content-Security-Policy": "default-src 'self'", "X-Frame-Options": "DENY" }`: added to every
  /// response, a default of the same name (case-insensitive) replaced; an empty value drops a default.
  static func readHeaders(_ r: inout FieldReader) -> [(name: String, value: String)] {
    let declared = (r.textMap("headers") ?? [:]).mapValues(\.value)
    var valid: [String: String] = [:]
    for (name, value) in declared.sorted(by: { $0.key < $1.key }) {
      if name.isEmpty || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
        r.report("headers", "expected a header name like \"Cache-Control\" (letters, digits, '-'), got '\(name)'")
      } else if let bad = value.first(where: { "\"\\${}".contains($0) || $0.isNewline || ($0.asciiValue ?? 32) < 32 }) {
        r.report("headers.\(name)", "a header value cannot hold '\(bad == "\n" ? "\\n" : String(bad))' (the server's configuration would read it as syntax or a variable)")
      } else {
        valid[name] = value
      }
    }
    let overridden = Set(valid.keys.map { $0.lowercased() })
    return defaultHeaders.filter { !overridden.contains($0.name.lowercased()) } + valid.sorted { $0.key < $1.key }.filter { !$0.value.isEmpty }.map { ($0.key, $0.value) }
  }

  /// `80`, `8080`, `127.0.0.1:8080`, `[::1]:8080`.
  static func readListen(_ r: inout FieldReader, _ key: String) -> String? {
    guard let l = r.string(key) else { return nil }
    guard ConfigValue.isPlainAddress(l, portRequired: false) else {
      r.report(key, "expected a port or ADDRESS:PORT like \"127.0.0.1:8080\", got '\(l)'")
      return nil
    }
    return l
  }

  /// The message for a path that is not absolute or holds a character the configuration reads as syntax.
  static func expectedPath(_ p: String) -> String {
    "expected an absolute path like \"/srv/www\", got '\(p)'" + (p.hasPrefix("/") ? ConfigValue.offending(p) : "")
  }

  /// The port part of a listen address.
  static func port(of listen: String) -> String { String(listen.split(separator: ":").last ?? "") }
}

/// Parses a route's upstream and finds where a container publishes a port.
enum Upstream {
  enum Target: Equatable {
    case container(String, port: Int)
    case service(String, port: Int)
    case address(String)
  }

  static func parse(_ s: String) -> Target? {
    for kind in ["container", "service"] where s.hasPrefix(kind + "/") {
      let rest = s.dropFirst(kind.count + 1)
      guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else { return nil }
      let name = String(rest[..<colon])
      guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else { return nil }
      return kind == "service" ? .service(name, port: port) : .container(name, port: port)
    }
    let bare = s.hasPrefix("http://") ? String(s.dropFirst(7)) : s
    let hostPort = bare.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? bare
    guard ConfigValue.isPlainAddress(hostPort, portRequired: true), bare == hostPort || bare == hostPort + "/" else { return nil }
    return .address(hostPort)
  }

  /// `HOST:PORT` where the declared `container/NAME` publishes its TCP port `port` on the host (`"3001:3001"` and
  /// `"0.0.0.0:3001:3001"` are reached on 127.0.0.1), or a message saying what the manifests lack.
  static func published(_ id: ResourceID, port: Int, peers: [ResourceID: any ResourceSpec]) -> Result<String, OperationError> {
    guard let container = peers[id] as? ContainerSpec else {
      return .failure(OperationError("\(id) is not declared in the manifests"))
    }
    guard let m = container.ports.first(where: { $0.containerPort == port && $0.proto == "tcp" }) else {
      let have = container.ports.isEmpty ? "none" : container.ports.map(\.canonical).joined(separator: ", ")
      return .failure(
        OperationError(
          "\(id) publishes no host port for its port \(port) (ports: \(have)): add one like \"127.0.0.1:\(port):\(port)\" to its 'ports', or route to a plain address"))
    }
    let host = m.hostIP.isEmpty || m.hostIP == "0.0.0.0" ? "127.0.0.1" : m.hostIP
    return .success("\(host):\(m.hostPort)")
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
