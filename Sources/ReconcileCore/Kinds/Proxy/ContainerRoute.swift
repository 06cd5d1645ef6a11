/// A managed nginx routing to a container that publishes no host port for the route: nginx reaches the container's
/// address on its Docker network, kept in `PREFIX/live/routes/UPSTREAM.conf` (`upstream UPSTREAM { server IP:PORT; }`).
/// A replacement starts the new container beside the old one, points the upstream at it once it is healthy, lets
/// the old workers finish their requests, then removes the old container: no gap.
public struct ContainerRoute: Sendable, Hashable {
  public var container: ResourceID
  /// The container's Docker name.
  public var name: String
  public var port: Int
  /// The nginx that routes to it (its prefix).
  public var prefix: String

  /// `reconcile_app_3001`: letters, digits and `_` only (a container name may hold `.` and `-`).
  public var upstreamName: String {
    "reconcile_" + String(container.name.map { $0.isLetter || $0.isNumber ? $0 : "_" }) + "_\(port)"
  }

  /// The file of the upstream block, under the live configuration directory.
  public var fileName: String { "routes/\(upstreamName).conf" }

  /// The upstream block for `address` (the container's IP).
  public func block(address: String) -> String { block(servers: [(address, 1)]) }

  /// The upstream block sharing the requests between containers (replicas, or a canary's split by weight): `server
  /// IP:PORT weight=90;`, the weights left out when they are all the same. nginx's passive checks (one failure takes
  /// a server out for 10 s, its request going to the next) cover a replica that stops answering.
  public func block(servers: [(address: String, weight: Int)]) -> String {
    let weighted = Set(servers.map(\.weight)).count > 1
    let lines = servers.map { "    server \($0.address):\(port)\(weighted ? " weight=\($0.weight)" : "");\n" }
    return "upstream \(upstreamName) {\n" + lines.joined() + "}\n"
  }
}
