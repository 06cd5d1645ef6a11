import Foundation
import ReconcileCore

/// Reads back the attributes an object was created with from its `io.reconcile.spec` label.
enum DockerLabelSpec {
  static func encode(_ attributes: [Attribute], id: ResourceID) -> String {
    var stored: [String: String] = [:]
    for a in attributes { stored[a.name] = DockerLabel.value(of: a, of: id) }
    let data = (try? JSONSerialization.data(withJSONObject: stored, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
  }

  static func decode(_ labels: [String: String]) -> [String: String] {
    guard let text = labels[DockerLabel.spec],
      let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
    else { return [:] }
    return object
  }

  /// Observed values of `attributes`: when the config hash label matches, the object was created
  /// from exactly these values; otherwise each one is read from the spec label (secrets compared
  /// by hash, never read back in clear).
  static func observedAttributes(
    _ attributes: [Attribute], id: ResourceID, labels: [String: String], desiredHash: String
  ) -> [String: String] {
    var out: [String: String] = [:]
    if labels[DockerLabel.configHash] == desiredHash {
      for a in attributes { out[a.name] = a.value }
      return out
    }
    let stored = decode(labels)
    for a in attributes {
      if let value = DockerLabel.observed(stored[a.name], for: a, of: id) { out[a.name] = value }
    }
    return out
  }
}

/// Image reference spelling as the Engine lists it in `RepoTags`.
enum DockerImageReference {
  /// `busybox` -> `busybox:latest`; `local/x:1` unchanged; digests unchanged.
  static func normalized(_ reference: String) -> String {
    if reference.contains("@") { return reference }
    let lastSegment = reference.split(separator: "/").last ?? ""
    return lastSegment.contains(":") ? reference : reference + ":latest"
  }
}
