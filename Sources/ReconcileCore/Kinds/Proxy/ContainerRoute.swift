/// A managed proxy routing to a container that publishes no host port for the route: the proxy reaches the
/// container's address (each replica's) on its Docker network, kept in the generation's `routes/` directory: for
/// nginx `routes/UPSTREAM.conf` (`upstream UPSTREAM { server IP:PORT; }`), for Caddy `routes/UPSTREAM.caddy` (a snippet
/// `(UPSTREAM) { to IP:PORT }` the site's `reverse_proxy` imports). A replacement starts the new container beside the
/// old one, points the upstream at it once it is healthy, lets the old one finish its requests, then removes it: no gap.
public struct ContainerRoute: Sendable, Hashable {
  public var container: ResourceID
  /// The container's Docker name.
  public var name: String
  public var port: Int
  /// The proxy that routes to it (its prefix).
  public var prefix: String
  public var server: ProxyServerKind = .nginx
  /// Caddy's admin API address.
  public var admin: String = ""

  public init(container: ResourceID, name: String, port: Int, prefix: String, server: ProxyServerKind = .nginx, admin: String = "") {
    self.container = container
    self.name = name
    self.port = port
    self.prefix = prefix
    self.server = server
    self.admin = admin
  }

  /// `reconcile_app_3001` (`reconcile_service_web_8080` for a service, `reconcile_staging__app_3001` in module
  /// instance `staging`): letters, digits and `_` only (a container name may hold `.` and `-`).
  public var upstreamName: String {
    let module = container.module.map { $0 + "__" } ?? ""
    return "reconcile_" + (isService ? "service_" : "") + String((module + container.name).map { $0.isLetter || $0.isNumber ? $0 : "_" }) + "_\(port)"
  }

  /// A Swarm service's route: its servers are the nodes that run its tasks, at the port the tasks publish.
  public var isService: Bool { container.kind == "service" }

  /// The file of the upstream block, under the live configuration directory.
  public var fileName: String { "routes/\(upstreamName).\(server.siteExtension)" }

  /// The upstream block for `address` (the container's IP).
  public func block(address: String) -> String { block(servers: [(address, 1)]) }

  /// The upstream block sharing the requests between containers (replicas, or a canary's split by weight): `server
  /// IP:PORT weight=90;`, the weights left out when they are all the same. nginx's passive checks (one failure takes
  /// a server out for 10 s, its request going to the next) cover a replica that stops answering. Caddy's snippet lists
  /// every address with passive checks alike (a failed upstream is left out for 10 s and a request is tried on the
  /// others for up to 5 s); Caddy 2.6 has no weights, so a split lists each address as often as its weight (reduced:
  /// 80 and 20 is four and one) and takes them in turn.
  public func block(servers: [(address: String, weight: Int)]) -> String {
    let weighted = Set(servers.map(\.weight)).count > 1
    if server == .caddy {
      let unit = servers.map(\.weight).reduce(0, Self.gcd)
      let targets = servers.flatMap { s in Array(repeating: "\(s.address):\(port)", count: weighted && unit > 0 ? s.weight / unit : 1) }
      return "(\(upstreamName)) {\n\tto \(targets.joined(separator: " "))\n\(weighted ? "\tlb_policy round_robin\n" : "")\tfail_duration 10s\n\tlb_try_duration 5s\n}\n"
    }
    // A service's nodes drop out one by one in a rolling update: a refusing node is left out for 2 s only, so that
    // nginx never finds every node marked failed at once (it would answer 502 "no live upstreams").
    let checks = isService && servers.count > 1 ? " max_fails=1 fail_timeout=2s" : ""
    let lines = servers.map { "    server \($0.address):\(port)\(weighted ? " weight=\($0.weight)" : "")\(checks);\n" }
    return "upstream \(upstreamName) {\n" + lines.joined() + "}\n"
  }

  static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

  /// The addresses a block written by `block(servers:)` points at, in order, each once.
  public func addresses(in block: String) -> [String] {
    let words = block.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == ";" }).map(String.init)
    let targets = server == .caddy ? Array(words.drop { $0 != "to" }.dropFirst().prefix { $0.contains(":") }) : zip(words, words.dropFirst()).filter { $0.0 == "server" }.map(\.1)
    var seen = Set<String>()
    return targets.compactMap { $0.split(separator: ":").first.map(String.init) }.filter { seen.insert($0).inserted }
  }
}
