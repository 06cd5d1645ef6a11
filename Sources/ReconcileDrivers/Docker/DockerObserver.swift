import DockerEngine
import Foundation
import ReconcileCore

/// Reads Docker objects for the four Docker kinds: one list call per kind, filtered by
/// `io.reconcile.managed=true`, and an inspect only where a list row cannot answer.
struct DockerObserver: Sendable {
  let client: DockerEngineClient

  func observe(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    let byKind = Dictionary(grouping: targets, by: \.id.kind)
    async let networks = observeNetworks(byKind["network"] ?? [])
    async let volumes = observeVolumes(byKind["volume"] ?? [])
    async let images = observeImages(byKind["image"] ?? [])
    let containers = try await observeContainers(byKind["container"] ?? [])
    var out = containers
    for part in [try await networks, try await volumes, try await images] { out.merge(part) { a, _ in a } }
    return out
  }

  // MARK: - Images

  func observeImages(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    guard !targets.isEmpty else { return [:] }
    let listed = try await client.listImages(labels: DockerLabel.managedFilter)
    var out: [ResourceID: Observation] = [:]
    for t in targets {
      let spec = t.spec as? ImageSpec
      let reference = t.locator["reference"] ?? spec?.reference ?? ""
      if let spec, !spec.isManagedImage {
        guard let image = try await client.inspectImageIfPresent(reference) else {
          out[t.id] = .absent
          continue
        }
        out[t.id] = Observation(exists: true, facts: [.id: image.id])
        continue
      }
      let tagged = DockerImageReference.normalized(reference)
      guard let image = listed.first(where: { ($0.repoTags ?? []).contains(tagged) }) else {
        out[t.id] = .absent
        continue
      }
      let labels = image.labels ?? [:]
      var facts: [Fact: String] = [.id: image.id]
      if let built = labels[DockerLabel.sourceDigest] { facts[.sourceDigest] = built }
      var attributes: [String: String] = [:]
      if let spec {
        attributes = DockerLabel.observedAttributes(spec.attributes, of: t.id, labels: labels, desiredHash: spec.configHash)
        do {
          if let now = try DockerSourceDigest.digest(of: spec.source) { facts[.currentDigest] = now }
        } catch {
          facts[.sourceError] = "\(error)"
        }
      }
      out[t.id] = Observation(exists: true, attributes: attributes, facts: facts)
    }
    return out
  }

  // MARK: - Networks and volumes

  func observeNetworks(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    guard !targets.isEmpty else { return [:] }
    return Self.match(targets, in: try await client.listNetworks(labels: DockerLabel.managedFilter), name: \.name) { network in
      Observation(
        exists: true, attributes: ["driver": network.driver, "internal": String(network.internal)], facts: [.id: network.id])
    }
  }

  func observeVolumes(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    guard !targets.isEmpty else { return [:] }
    return Self.match(targets, in: try await client.listVolumes(labels: DockerLabel.managedFilter), name: \.name) { volume in
      Observation(exists: true, attributes: ["driver": volume.driver], facts: [.mountpoint: volume.mountpoint])
    }
  }

  /// Each target's observation from the listed object of its Docker name (locator `name`, else the resource
  /// name), or absent.
  static func match<Object>(
    _ targets: [ObserveTarget], in listed: [Object], name: (Object) -> String, observation: (Object) -> Observation
  ) -> [ResourceID: Observation] {
    let byName = Dictionary(listed.map { (name($0), $0) }) { a, _ in a }
    var out: [ResourceID: Observation] = [:]
    for t in targets { out[t.id] = byName[t.locator["name"] ?? t.id.name].map(observation) ?? .absent }
    return out
  }
}
