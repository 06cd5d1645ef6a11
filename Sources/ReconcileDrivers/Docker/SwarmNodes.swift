import DockerEngine
import Foundation
import ReconcileCore

/// The Swarm's nodes as `reconcile status` lists them: role, state, availability, address, labels, and how many
/// tasks of reconcile's services each runs.
public struct SwarmNode: Sendable, Hashable {
  public var name: String
  public var role: String
  public var state: String
  public var availability: String
  public var address: String
  public var labels: [String: String]
  public var tasks: Int
  public var isLeader: Bool

  /// The nodes of the Swarm `DOCKER_HOST` manages, by name; nil when that engine is no Swarm manager.
  public static func list(environment: [String: String]) async -> [SwarmNode]? {
    guard let client = try? DockerEngineClient.fromEnvironment(environment), let nodes = try? await client.listNodes() else { return nil }
    var tasks: [String: Int] = [:]
    let services = (try? await client.listServices(labels: DockerLabel.managedFilter)) ?? []
    for task in (try? await client.listTasks(services: services.map(\.id))) ?? [] where task.isRunning {
      if let node = task.nodeID { tasks[node, default: 0] += 1 }
    }
    return nodes.map { n in
      SwarmNode(
        name: n.name, role: n.spec.role ?? "worker", state: n.status.state, availability: n.spec.availability ?? "active", address: n.status.addr ?? "",
        labels: n.spec.labels ?? [:], tasks: tasks[n.id] ?? 0, isLeader: n.managerStatus?.leader ?? false)
    }.sorted { $0.name < $1.name }
  }
}
