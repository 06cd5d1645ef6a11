import DockerEngine
import Foundation
import ReconcileCore

/// Reads Docker objects for the four Docker kinds: one list call per kind, filtered by
/// `io.reconcile.managed=true`, and an inspect only where a list row cannot answer.
struct DockerObserver: Sendable {
  let client: DockerEngineClient
  /// Where interrupted canaries recorded their place (a leftover copy may be one to resume).
  var rollouts: RolloutGate = .none

  func observe(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    let byKind = Dictionary(grouping: targets, by: \.id.kind)
    async let networks = observeNetworks(byKind["network"] ?? [])
    async let volumes = observeVolumes(byKind["volume"] ?? [])
    async let images = observeImages(byKind["image"] ?? [])
    async let services = observeServices(byKind["service"] ?? [])
    async let nodes = observeNodes(byKind["node"] ?? [])
    let containers = try await observeContainers(byKind["container"] ?? [])
    var out = containers
    for part in [try await networks, try await volumes, try await images, try await services, try await nodes] { out.merge(part) { a, _ in a } }
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
        var facts: [Fact: String] = [.id: image.id]
        facts[.localDigest] = RegistryPull.localDigest(of: image, reference: reference)
        if spec.pull == .always { facts[.registryDigest] = try await RegistryPull(client: client).digest(spec) }
        out[t.id] = Observation(exists: true, facts: facts)
        continue
      }
      let tagged = DockerImageReference.normalized(reference)
      guard let image = listed.first(where: { ($0.repoTags ?? []).contains(tagged) }) else {
        out[t.id] = .absent
        continue
      }
      guard DockerLabel.belongs(image.labels, to: t.project) else {
        out[t.id] = spec == nil ? .absent : Observation(exists: false, facts: [.conflict: Self.foreign("image", tagged, image.labels)])
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
        if !spec.pushed.isEmpty, let unpushed = try await RegistryPull(client: client).unpushed(spec, image: image.id) {
          facts[.unpushed] = unpushed.joined(separator: "\n")
        }
      }
      out[t.id] = Observation(exists: true, attributes: attributes, facts: facts)
    }
    return out
  }

  // MARK: - Networks and volumes

  func observeNetworks(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    guard !targets.isEmpty else { return [:] }
    var listed = try await client.listNetworks(labels: DockerLabel.managedFilter)
    listed += try await Self.adopted(targets, in: { try await client.listNetworks() }, id: \.id, labels: \.labels)
    return Self.match(targets, in: listed, name: \.name, labels: \.labels, kind: "network") {
      network in
      Observation(
        exists: true, attributes: ["driver": network.driver, "internal": String(network.internal)], facts: [.id: network.id])
    }
  }

  func observeVolumes(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    guard !targets.isEmpty else { return [:] }
    var listed = try await client.listVolumes(labels: DockerLabel.managedFilter)
    listed += try await Self.adopted(targets, in: { try await client.listVolumes() }, id: \.name, labels: \.labels)
    return Self.match(targets, in: listed, name: \.name, labels: \.labels, kind: "volume") {
      volume in
      Observation(exists: true, attributes: ["driver": volume.driver], facts: [.mountpoint: volume.mountpoint])
    }
  }

  /// The objects taken over for `targets` (`reconcile import`), found by their recorded identity among `all` and given
  /// the labels their adoption recorded; none listed when no target has one.
  static func adopted<Object>(
    _ targets: [ObserveTarget], in all: () async throws -> [Object], id: (Object) -> String, labels: WritableKeyPath<Object, [String: String]?>
  ) async throws -> [Object] {
    let adoptions = Dictionary(targets.compactMap { t in t.adopted.map { ($0.objectID, $0) } }) { a, _ in a }
    guard !adoptions.isEmpty else { return [] }
    return try await all().compactMap { object in
      guard let adoption = adoptions[id(object)], !DockerLabel.isManaged(object[keyPath: labels]) else { return nil }
      var taken = object
      taken[keyPath: labels] = adoption.labels
      return taken
    }
  }

  /// Each target's observation from the listed object of its Docker name (locator `name`, else the resource
  /// name), or absent. An object of another project under that name is not this resource's: a conflict for a
  /// declared one, absent for one only recorded (never pruned).
  static func match<Object>(
    _ targets: [ObserveTarget], in listed: [Object], name: (Object) -> String, labels: (Object) -> [String: String]?, kind: String,
    observation: (Object) -> Observation
  ) -> [ResourceID: Observation] {
    let byName = Dictionary(listed.map { (name($0), $0) }) { a, _ in a }
    var out: [ResourceID: Observation] = [:]
    for t in targets {
      let wanted = t.locator["name"] ?? t.id.name
      guard let object = byName[wanted] else {
        out[t.id] = .absent
        continue
      }
      guard DockerLabel.belongs(labels(object), to: t.project) else {
        out[t.id] = t.spec == nil ? .absent : Observation(exists: false, facts: [.conflict: foreign(kind, wanted, labels(object))])
        continue
      }
      out[t.id] = observation(object)
    }
    return out
  }

  /// `the volume name 'data' is used by project 'shop'`.
  static func foreign(_ kind: String, _ name: String, _ labels: [String: String]?) -> String {
    "the \(kind) name '\(name)' is used by project '\(labels?[DockerLabel.project] ?? "?")' on this Docker Engine, which this one does not touch: apply fails until one of them is renamed"
  }
}
