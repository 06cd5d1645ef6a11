import Foundation
import ReconcileCore

extension DockerObserver {
  /// One `GET /containers/json` for all targets; `GET /containers/{id}/json` only for containers
  /// whose in-place settings (restart, limits) were changed since they were created.
  func observeContainers(
    _ targets: [ObserveTarget], images: [ResourceID: Observation], imageTargets: [ObserveTarget]
  ) async throws -> [ResourceID: Observation] {
    guard !targets.isEmpty else { return [:] }
    let listed = try await client.listContainers(labels: Self.managed)
    let byName = Dictionary(listed.map { ($0.name, $0) }) { a, _ in a }
    let imageSpecs = Dictionary(imageTargets.compactMap { t in (t.spec as? ImageSpec).map { (t.id, $0) } }) { a, _ in a }
    let usesReferences = targets.contains { t in
      if case .reference? = (t.spec as? ContainerSpec)?.image { return true }
      return false
    }
    var tagIDs: [String: String] = [:]
    if usesReferences {
      for image in try await client.listImages() {
        for tag in image.repoTags ?? [] { tagIDs[tag] = image.id }
      }
    }

    var out: [ResourceID: Observation] = [:]
    var toInspect: [(ResourceID, String, ContainerSpec)] = []
    for t in targets {
      guard let row = byName[t.locator["name"] ?? t.id.name] else {
        out[t.id] = .absent
        continue
      }
      var facts = Self.runtimeFacts(row)
      guard let spec = t.spec as? ContainerSpec else {
        out[t.id] = Observation(exists: true, facts: facts)
        continue
      }
      let labels = row.labels ?? [:]
      let attributes = spec.attributes
      var observed = DockerLabelSpec.observedAttributes(
        attributes.filter { $0.effect == .replace }, id: t.id, labels: labels, desiredHash: spec.configHash)
      let stored = DockerLabelSpec.decode(labels)
      var updatedSinceCreate = false
      for a in attributes where a.effect == .update {
        if stored[a.name] == a.value { observed[a.name] = a.value } else { updatedSinceCreate = true }
      }
      if updatedSinceCreate { toInspect.append((t.id, row.id, spec)) }
      for (k, v) in wantedImage(spec, images: images, imageSpecs: imageSpecs, tagIDs: tagIDs) { facts[k] = v }
      out[t.id] = Observation(exists: true, attributes: observed, facts: facts)
    }

    // Containers changed in place: their labels keep the creation values, so read the real ones.
    let client = self.client
    let actual = try await withThrowingTaskGroup(of: (ResourceID, [String: String]).self) { group in
      for (id, containerID, spec) in toInspect {
        group.addTask {
          let inspected = try await client.inspectContainer(containerID)
          return (id, Self.updatableValues(inspected.hostConfig, declared: spec))
        }
      }
      var all: [ResourceID: [String: String]] = [:]
      for try await (id, values) in group { all[id] = values }
      return all
    }
    for (id, values) in actual { for (k, v) in values { out[id]?.attributes[k] = v } }
    return out
  }

  /// `state`, `exitCode`, `health`, `imageRef`, `imageID` from a list row.
  static func runtimeFacts(_ row: DockerContainerSummary) -> [String: String] {
    var facts = ["id": row.id, "state": row.state, "imageID": row.imageID]
    if let ref = row.labels?[DockerLabel.imageRef] { facts["imageRef"] = ref }
    if row.state == "exited" || row.state == "restarting" || row.state == "dead",
      let open = row.status.range(of: "("), let close = row.status.range(of: ")", range: open.upperBound..<row.status.endIndex)
    {
      let code = row.status[open.upperBound..<close.lowerBound]
      if Int(code) != nil { facts["exitCode"] = String(code) }
    }
    if row.status.contains("(unhealthy)") {
      facts["health"] = "unhealthy"
    } else if row.status.contains("(healthy)") {
      facts["health"] = "healthy"
    } else if row.status.contains("(health: starting)") {
      facts["health"] = "starting"
    }
    return facts
  }

  /// What the container's image reference points to now, or why it is about to change.
  func wantedImage(
    _ spec: ContainerSpec, images: [ResourceID: Observation], imageSpecs: [ResourceID: ImageSpec], tagIDs: [String: String]
  ) -> [String: String] {
    switch spec.image {
    case .reference(let ref):
      var facts = ["wantedImageRef": ref]
      if let id = tagIDs[DockerImageReference.normalized(ref)] { facts["wantedImageID"] = id }
      return facts
    case .resource(let imageID):
      guard let imageSpec = imageSpecs[imageID] else { return [:] }
      var facts = ["wantedImageRef": imageSpec.reference]
      let observed = images[imageID] ?? .absent
      if !observed.exists {
        facts["imagePending"] = "will be built (\(imageID) is missing)"
      } else if !imageSpec.findings(observed: observed, now: Date()).isEmpty {
        facts["imagePending"] = "will be rebuilt (\(imageID) has a new build source)"
      } else if let id = observed.facts["id"] {
        facts["wantedImageID"] = id
      }
      return facts
    }
  }

  /// The in-place settings as the Engine has them now, in the spec's canonical spelling.
  static func updatableValues(_ host: DockerContainerInspect.HostConfig, declared spec: ContainerSpec) -> [String: String] {
    var out: [String: String] = [:]
    if spec.restart != nil {
      let policy = host.restartPolicy ?? DockerRestartPolicy(name: "no")
      let name = policy.name.isEmpty ? "no" : policy.name
      out["restart"] = name == "on-failure" && (policy.maximumRetryCount ?? 0) > 0 ? "on-failure:\(policy.maximumRetryCount!)" : name
    }
    if spec.memoryBytes != nil { out["memory"] = (host.memory ?? 0) > 0 ? ResourceQuantity.format(bytes: host.memory!) : "unlimited" }
    if spec.nanoCPUs != nil { out["cpus"] = (host.nanoCpus ?? 0) > 0 ? ResourceQuantity.format(nanoCPUs: host.nanoCpus!) : "unlimited" }
    if spec.pidsLimit != nil { out["pidsLimit"] = (host.pidsLimit ?? 0) > 0 ? String(host.pidsLimit!) : "unlimited" }
    return out
  }
}
