import DockerEngine
import Foundation
import ReconcileCore

extension DockerObserver {
  /// One `GET /containers/json` for all targets; `GET /containers/{id}/json` (concurrently) for the containers that
  /// declare in-place settings (restart, limits), whose live values no label records.
  func observeContainers(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    guard !targets.isEmpty else { return [:] }
    let usesReferences = targets.contains { t in
      if case .reference? = (t.spec as? ContainerSpec)?.image { return true }
      return false
    }
    // The images are listed while the containers are (one after the other was a tenth of planning 50 containers).
    let client = self.client
    async let images = usesReferences ? client.listImages() : []
    var listed = try await client.listContainers(labels: DockerLabel.managedFilter)
    // A container taken over (`reconcile import`) has no labels of ours: it is found by its ID, and read with the
    // labels its adoption recorded.
    let adoptions = Dictionary(targets.compactMap { t in t.adopted.map { ($0.objectID, $0) } }) { a, _ in a }
    if !adoptions.isEmpty {
      for var row in try await client.listContainers(ids: Array(adoptions.keys)) where !DockerLabel.isManaged(row.labels) {
        row.labels = adoptions[row.id]?.labels
        listed.append(row)
      }
    }
    // Found by the resource they carry, not by name: a temporary copy of a replacement (its temporary name) is not
    // the container, and a managed container of another resource under the wanted name is a conflict.
    var mine: [String: [DockerContainerSummary]] = [:]
    var copies: [String: [DockerContainerSummary]] = [:]
    // The versions blue-greens kept running beside their containers (`keepPrevious`).
    var kept: [String: DockerContainerSummary] = [:]
    for row in listed {
      guard let owner = row.labels?[DockerLabel.resource], DockerLabel.belongs(row.labels, to: targets.first?.project) else { continue }
      if KeptPrevious.isName(row.name) {
        kept[owner] = row
      } else if StartFirstReplacement.isTemporaryName(row.name) {
        copies[owner, default: []].append(row)
      } else {
        mine[owner, default: []].append(row)
      }
    }
    let byName = Dictionary(listed.map { ($0.name, $0) }) { a, _ in a }
    var tagIDs: [String: String] = [:]
    for image in try await images {
      for tag in image.repoTags ?? [] { tagIDs[tag] = image.id }
    }

    var out: [ResourceID: Observation] = [:]
    var toInspect: [(ResourceID, String, ContainerSpec)] = []
    for t in targets {
      let name = t.locator["name"] ?? t.id.name
      // A container that moved (`ResourceMove`) still carries the address it was made under.
      let labelled = t.formerly.map { mine[t.id.description] == nil ? $0 : t.id } ?? t.id
      let leftovers = copies[labelled.description]?.map(\.name).sorted().joined(separator: ",")
      let all = mine[labelled.description] ?? []
      // Replicas beyond the first (`NAME-2` …) are the container's, never the container itself.
      let replicas = all.compactMap { row in ContainerSpec.replicaIndex(of: row.name, base: name).map { (index: $0, row: row) } }.sorted { $0.index < $1.index }
      let candidates = all.filter { ContainerSpec.replicaIndex(of: $0.name, base: name) == nil }
      guard let row = candidates.first(where: { $0.name == name }) ?? candidates.first else {
        if let holder = byName[name], !DockerLabel.belongs(holder.labels, to: t.project) {
          out[t.id] = t.spec == nil ? .absent : Observation(exists: false, facts: [.conflict: Self.foreign("container", name, holder.labels)])
        } else if let holder = byName[name], let owner = holder.labels?[DockerLabel.resource] {
          out[t.id] = Observation(exists: false, facts: [.conflict: "the name '\(name)' is used by container \(holder.id.prefix(12)), which belongs to \(owner)"])
        } else {
          out[t.id] = Observation(exists: false, facts: leftovers.map { [.leftoverCopies: $0] } ?? [:])
        }
        continue
      }
      var facts = Self.runtimeFacts(row)
      if let leftovers { facts[.leftoverCopies] = leftovers }
      // A leftover that is an interrupted canary of the desired version, recorded with this container: resumed.
      if let spec = t.spec as? ContainerSpec, let rollout = spec.rollout, let position = rollouts.position(for: t.id), position.fits(spec),
        position.old == row.id, copies[labelled.description]?.contains(where: { $0.id == position.new && $0.state == "running" }) == true
      {
        facts[.interruptedRollout] = String(position.share(in: rollout))
      }
      if !replicas.isEmpty { facts[.replicas] = replicas.map { "\($0.row.name)=\($0.row.state)" }.joined(separator: ",") }
      if let previous = kept[labelled.description] {
        let hash = { (r: DockerContainerSummary) in r.labels?[DockerLabel.configHash] ?? "-" }
        facts[.keptPrevious] = "\(previous.name) \(hash(previous)) \(previous.imageID) \(hash(row))"
        // Kept while its record says so, it runs, and the manifests still ask to keep one.
        if (t.spec as? ContainerSpec)?.rollout?.keepPrevious != nil, previous.state == "running", let record = rollouts.kept(for: t.id),
          record.id == previous.id, record.until > Date()
        {
          facts[.keptPreviousUntil] = KeptPrevious.text(record.until)
        }
      }
      guard let spec = t.spec as? ContainerSpec else {
        out[t.id] = Observation(exists: true, facts: facts)
        continue
      }
      let labels = row.labels ?? [:]
      let attributes = spec.attributes
      var observed = DockerLabel.observedAttributes(
        attributes.filter { $0.effect == .replace }, of: labelled, labels: labels, desiredHash: spec.configHash)
      if spec.replicas > 1 { observed["replicas"] = String(1 + replicas.count) }
      // What the container was made with that the manifests no longer declare (a port, a user): its spec label says.
      if labels[DockerLabel.configHash] != spec.configHash {
        let declared = Set(attributes.map(\.name)).union(ContainerSpec.updatableAttributes).union(["replicas"])
        for (k, v) in DockerLabel.storedSpec(labels) where !declared.contains(k) { observed[k] = v }
      }
      // In-place settings (restart, limits) can change without a trace in the labels (`docker update` by hand):
      // read the Engine's values for every container that declares one.
      if attributes.contains(where: { $0.effect == .update }) { toInspect.append((t.id, row.id, spec)) }
      // What a local reference points to now; an `image` resource's image is its own observation, which the
      // container's findings see as a dependency.
      if case .reference(let ref) = spec.image, let id = tagIDs[DockerImageReference.normalized(ref)] { facts[.referenceImageID] = id }
      out[t.id] = Observation(exists: true, attributes: observed, facts: facts)
    }

    // A name the manifests want that an unmanaged container holds: the create would fail, so the plan says so.
    let missing = targets.filter { out[$0.id]?.exists == false && out[$0.id]?.facts[.conflict] == nil && $0.spec != nil }
    if !missing.isEmpty {
      let names = Dictionary(missing.map { ($0.locator["name"] ?? $0.id.name, $0.id) }) { a, _ in a }
      for row in try await client.listContainers(named: Array(names.keys)) {
        guard let id = names[row.name] else { continue }
        let conflict =
          "the name '\(row.name)' is taken by container \(row.id.prefix(12)) (\(row.image), \(row.state)) that reconcile does not manage: apply fails until it is removed or renamed, or taken over as it is with 'reconcile import \(id)'"
        out[id] = Observation(exists: false, facts: [.conflict: conflict])
      }
    }

    // The live in-place settings.
    let actual = try await withThrowingTaskGroup(of: (ResourceID, [String: String]?).self) { group in
      for (id, containerID, spec) in toInspect {
        group.addTask {
          do {
            let inspected = try await client.inspectContainerLimits(containerID)
            return (id, Self.updatableValues(inspected.hostConfig, declared: spec))
          } catch let error as DockerEngineError where error.isNotFound {
            // Removed between the list and the inspect (an apply under way): it is absent now.
            return (id, nil)
          }
        }
      }
      var all: [ResourceID: [String: String]?] = [:]
      for try await (id, values) in group { all[id] = values }
      return all
    }
    for (id, values) in actual {
      guard let values else {
        out[id] = .absent
        continue
      }
      for (k, v) in values { out[id]?.attributes[k] = v }
    }
    return out
  }

  /// `state`, `exitCode`, `health`, `imageRef`, `imageID` from a list row.
  static func runtimeFacts(_ row: DockerContainerSummary) -> [Fact: String] {
    var facts: [Fact: String] = [.id: row.id, .state: row.state, .imageID: row.imageID]
    if let ref = row.labels?[DockerLabel.imageRef] { facts[.imageRef] = ref }
    if row.state == "exited" || row.state == "restarting" || row.state == "dead",
      let open = row.status.range(of: "("), let close = row.status.range(of: ")", range: open.upperBound..<row.status.endIndex)
    {
      let code = row.status[open.upperBound..<close.lowerBound]
      if Int(code) != nil { facts[.exitCode] = String(code) }
    }
    if row.status.contains("(unhealthy)") {
      facts[.health] = "unhealthy"
    } else if row.status.contains("(healthy)") {
      facts[.health] = "healthy"
    } else if row.status.contains("(health: starting)") {
      facts[.health] = "starting"
    }
    return facts
  }

  /// The in-place settings as the Engine has them now, in the spec's canonical spelling.
  static func updatableValues(_ host: DockerHostConfig, declared spec: ContainerSpec) -> [String: String] {
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
