import Foundation

/// `node`: labels (and availability) on a node of the Swarm the Engine socket manages, which placement reads
/// (`"constraints": ["node.labels.zone == b"]`, `"preferences": ["node.labels.zone"]`). A node joins a Swarm by
/// `docker swarm join`, not by reconcile: a node that is not there is an error, never created; only the label keys
/// declared here are set, and removing the resource removes just those keys.
public struct NodeSpec: ResourceSpec {
  public let id: ResourceID
  public var labels: [String: String] = [:]
  /// `active`, `pause` or `drain` (Swarm moves a drained node's tasks elsewhere); nil leaves it as it is.
  public var availability: String?

  public init(id: ResourceID) { self.id = id }

  /// The node's host name, as `docker node ls` shows it.
  public var locator: [String: String] { ["name": id.name] }

  public var attributes: [Attribute] {
    var out = labels.keys.sorted().map { Attribute("label.\($0)", labels[$0]!) }
    if let availability { out.append(Attribute("availability", availability)) }
    return out
  }

  /// The label keys a recorded node resource set (its `label.KEY` attributes): what its removal takes off.
  public static func labelKeys(in attributes: [String: String]) -> [String] {
    attributes.keys.filter { $0.hasPrefix("label.") }.map { String($0.dropFirst("label.".count)) }.sorted()
  }

  public static let descriptor = KindDescriptor(name: "node") { id, r, _ in
    var spec = NodeSpec(id: id)
    spec.labels = (r.textMap("labels") ?? [:]).mapValues(\.value)
    for key in spec.labels.keys.sorted() where key.isEmpty || key.contains(where: { $0 == " " || $0 == "=" }) {
      r.report("labels", "expected a label key like \"zone\" (no spaces or '='), got '\(key)'")
    }
    spec.availability = r.choice("availability", ["active", "pause", "drain"])
    if spec.labels.isEmpty, spec.availability == nil { r.report(nil, "expected \"labels\" or \"availability\" to set on the node") }
    return spec
  }
}
