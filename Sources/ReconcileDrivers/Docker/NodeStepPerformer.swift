import DockerEngine
import Foundation
import ReconcileCore

/// The `node` kind: reads a Swarm node's labels and availability, sets the declared ones with the node's version
/// (every other label stays as it is), takes the declared keys off when the resource goes.
struct NodeStepPerformer: Sendable {
  let client: DockerEngineClient

  func perform(_ step: Step) async throws {
    let name = step.prior?.locator["name"] ?? step.id.name
    do {
      let nodes = try await client.listNodes()
      guard let node = nodes.first(where: { $0.name == name || $0.id == name }) else {
        if step.action == .destroy { return }
        throw OperationError(
          doing: step.action.rawValue, of: step.id,
          cause: .failed(
            "the Swarm has no node '\(name)' (nodes: \(nodes.map(\.name).sorted().joined(separator: ", "))); a node joins with 'docker swarm join', reconcile only labels it"
          ))
      }
      var spec = node.spec
      var labels = spec.labels ?? [:]
      if step.action == .destroy {
        for key in NodeSpec.labelKeys(in: step.prior?.attributes ?? [:]) { labels[key] = nil }
      } else {
        guard let desired = step.desired as? NodeSpec else { throw OperationError(doing: step.action.rawValue, of: step.id, cause: .failed("the step carries no node")) }
        // Keys this resource set before and no longer declares go; the others' labels stay.
        for key in NodeSpec.labelKeys(in: step.prior?.attributes ?? [:]) where desired.labels[key] == nil { labels[key] = nil }
        labels.merge(desired.labels) { _, new in new }
        if let availability = desired.availability { spec.availability = availability }
      }
      spec.labels = labels
      try await client.updateNode(node.id, version: node.version.index, spec)
    } catch let error as DockerEngineError {
      throw error.operationError(doing: step.action.rawValue, of: step.id)
    }
  }
}

extension DockerObserver {
  /// One `GET /nodes` for all targets: each node's declared labels and its availability, as Swarm has them.
  func observeNodes(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    guard !targets.isEmpty else { return [:] }
    let nodes = try await client.listNodes()
    var out: [ResourceID: Observation] = [:]
    for t in targets {
      guard let node = nodes.first(where: { $0.name == (t.locator["name"] ?? t.id.name) || $0.id == t.id.name }) else {
        out[t.id] = .absent
        continue
      }
      // A node resource no longer declared (no spec) exists while the node does: its removal takes its keys off.
      let spec = t.spec as? NodeSpec
      var attributes: [String: String] = [:]
      for key in spec?.labels.keys.sorted() ?? [] { if let value = node.spec.labels?[key] { attributes["label.\(key)"] = value } }
      if spec?.availability != nil { attributes["availability"] = node.spec.availability ?? "active" }
      out[t.id] = Observation(exists: true, attributes: attributes)
    }
    return out
  }
}
