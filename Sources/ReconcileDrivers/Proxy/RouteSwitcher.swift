import DockerEngine
import Foundation
import ReconcileCore

/// Moves the upstreams of managed nginx sites that reach a container on its network (`ContainerRoute`): each switch
/// is a new configuration generation, validated with `nginx -t` and reloaded; nginx's old workers finish the
/// requests they have before they exit, which `drain` waits for.
struct RouteSwitcher: Sendable {
  /// The address nginx reaches the container at: its IP on its first network that has one.
  static func address(of name: String, client: DockerEngineClient) async throws -> String {
    guard let c = try await client.inspectContainerIfPresent(name) else {
      throw OperationError(doing: "find the address of container '\(name)'", "it does not exist")
    }
    guard let ip = (c.networkSettings.networks ?? [:]).sorted(by: { $0.key < $1.key }).compactMap({ $0.value.ipAddress }).first(where: { !$0.isEmpty })
    else {
      throw OperationError(doing: "find the address of container '\(name)'", "it has no address on any network (network mode 'host' or 'none' cannot be routed to)")
    }
    return ip
  }

  /// The addresses of the running replicas of `spec` (its Docker name and `NAME-2` … ), by replica number.
  static func replicaAddresses(of spec: ContainerSpec, client: DockerEngineClient) async throws -> [(name: String, address: String)] {
    try await replicaAddresses(of: spec.id, name: spec.dockerName, client: client)
  }

  static func replicaAddresses(of id: ResourceID, name base: String, client: DockerEngineClient) async throws -> [(name: String, address: String)] {
    let rows = try await client.listContainers(labels: DockerLabel.ownedFilter(id)).filter { $0.state == "running" }
    var out: [(index: Int, name: String, address: String)] = []
    for row in rows {
      guard let index = row.name == base ? 1 : ContainerSpec.replicaIndex(of: row.name, base: base) else { continue }
      guard let address = try? await address(of: row.id, client: client) else { continue }
      out.append((index, row.name, address))
    }
    return out.sorted { $0.index < $1.index }.map { ($0.name, $0.address) }
  }

  /// The addresses of the nodes that run a task of the service `id` (named `name`), sorted: where a managed proxy
  /// reaches the port the tasks publish in host mode.
  static func serviceAddresses(of id: ResourceID, name: String, client: DockerEngineClient) async throws -> [String] {
    guard let service = try await client.listServices(labels: DockerLabel.ownedFilter(id)).first(where: { $0.spec.name == name }) else { return [] }
    return try await nodeAddresses(running: try await client.listTasks(service: service.id), client: client)
  }

  /// The addresses of the nodes where `tasks` run (sorted, each once).
  static func nodeAddresses(running tasks: [DockerTask], client: DockerEngineClient) async throws -> [String] {
    let nodes = Set(tasks.filter(\.isRunning).compactMap(\.nodeID))
    guard !nodes.isEmpty else { return [] }
    return Set(try await client.listNodes().filter { nodes.contains($0.id) }.compactMap(\.status.addr)).sorted()
  }

  /// Where a route's servers are now: the running replicas of a container, the nodes that run a service's tasks.
  static func addresses(of route: ContainerRoute, client: DockerEngineClient) async throws -> [String] {
    route.isService
      ? try await serviceAddresses(of: route.container, name: route.name, client: client)
      : try await replicaAddresses(of: route.container, name: route.name, client: client).map(\.address)
  }

  /// Points each route at `address`. A route whose nginx has no configuration yet (its site comes later in this
  /// apply, and writes it then) or that points there already is left alone.
  static func point(_ routes: [ContainerRoute], at address: String, for id: ResourceID) throws {
    try point(routes, servers: [(address, 1)], for: id)
  }

  /// Shares each route's requests between `servers` by weight (one server: all of them).
  static func point(_ routes: [ContainerRoute], servers: [(address: String, weight: Int)], for id: ResourceID) throws {
    let shown = servers.map { servers.count > 1 && Set(servers.map(\.weight)).count > 1 ? "\($0.address) (weight \($0.weight))" : $0.address }
      .joined(separator: " and ")
    for (_, group) in Dictionary(grouping: routes, by: \.prefix).sorted(by: { $0.key < $1.key }) {
      guard let live = ConfigGenerations(prefix: group[0].prefix).current else { continue }
      let moving = group.filter { HostFiles.read("\(live)/\($0.fileName)") != $0.block(servers: servers) }
      guard !moving.isEmpty else { continue }
      let what = "point the upstream of \(id) at \(shown)"
      let edit: (String) throws -> Void = { staged in
        for r in moving { try HostFiles.write(r.block(servers: servers), to: "\(staged)/\(r.fileName)") }
      }
      switch group[0].server {
      case .nginx: try NginxServer(prefix: group[0].prefix).apply(what, change: edit)
      case .caddy: try CaddyServer(prefix: group[0].prefix, admin: group[0].admin).apply(what, change: edit)
      }
    }
  }

  /// Waits, at most `timeout` seconds, until the requests sent before the last switch are answered: for nginx, until
  /// no worker from before its last reload is left (a worker that is shutting down still serves the requests it has);
  /// for Caddy, whose old configuration finishes its requests in the same process, until the host holds no open
  /// connection to the `leaving` addresses at the routes' ports.
  static func drain(_ routes: [ContainerRoute], leaving: [String] = [], timeout: Double) async {
    let deadline = Date().addingTimeInterval(timeout)
    let masters = Set(routes.filter { $0.server == .nginx }.map(\.prefix)).compactMap { NginxServer(prefix: $0).runningPID }
    let targets = Set(routes.filter { $0.server == .caddy }.flatMap { r in leaving.map { "\($0):\(r.port)" } })
    while Date() < deadline, masters.contains(where: { !shuttingDownWorkers(of: $0).isEmpty }) || !OpenConnections.to(targets).isEmpty {
      try? await Task.sleep(nanoseconds: 100_000_000)
    }
  }

  /// The children of `master` whose title says they are shutting down (`nginx: worker process is shutting down`).
  static func shuttingDownWorkers(of master: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> pid_t? in
      guard let pid = pid_t(entry), let stat = HostFiles.read("/proc/\(entry)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      guard fields.count > 2, pid_t(fields[1]) == master else { return nil }
      let title = HostFiles.read("/proc/\(entry)/cmdline") ?? ""
      return title.contains("shutting down") ? pid : nil
    }
  }
}
