/// The runtime facts of a container that make the planner act, each with a reason a person can act on: its state
/// and health (facts `state`, `exitCode`, `health`), and the image it runs (fact `imageRef`, `imageID`) against the
/// one it should run: a local reference's current ID (fact `referenceImageID`), or its `image` resource as the
/// planner sees it (the dependency's observation and the step already decided for it).
enum ContainerFindings {
  static func findings(for spec: ContainerSpec, observed: Observation, context: FindingContext) -> [Finding] {
    var out: [Finding] = []
    if let image = imageFinding(spec, observed.facts, context) { out.append(image) }
    if let state = stateFinding(spec.state, observed.facts) { out.append(state) }
    out += replicaFindings(spec, observed.facts[.replicas])
    out += undeclaredFindings(spec, observed.attributes)
    if let previous = previousFinding(spec, observed.facts, context) { out.append(previous) }
    if let percent = observed.facts[.interruptedRollout].flatMap(Int.init) {
      out.append(Finding(.container(.interruptedRollout(percent: percent)), effect: .replace))
    } else if let copies = observed.facts[.leftoverCopies] {
      out.append(Finding(.container(.leftoverCopies(copies.split(separator: ",").map(String.init))), effect: .update))
    }
    return out
  }

  /// Settings the container was made with (its spec label) that the manifests no longer declare: the observer reports
  /// them beside the declared ones. A secret's value is stored hashed (`sha256:…`) and shown as sensitive.
  static func undeclaredFindings(_ spec: ContainerSpec, _ observed: [String: String]) -> [Finding] {
    let declared = Set(spec.attributes.map(\.name))
    return observed.keys.filter { !declared.contains($0) }.sorted().map { name in
      let value = observed[name]!
      let shown: Shown = value.hasPrefix("sha256:") && value.count == 71 ? .sensitive : .value(value)
      return Finding(.container(.noLongerDeclared(name)), effect: .replace, change: FieldChange(field: name, before: shown, after: nil))
    }
  }

  /// For a local reference, a changed reference is the `image` attribute's business; for an `image` resource the
  /// attribute (`image/app`) stays and the tag it resolves to moves, or the image is about to be (re)built.
  static func imageFinding(_ spec: ContainerSpec, _ f: [Fact: String], _ context: FindingContext) -> Finding? {
    let have = f[.imageRef] ?? "(unknown)"
    let wantedID: String?
    switch spec.image {
    case .reference(let ref):
      guard ref == have else { return nil }
      wantedID = f[.referenceImageID]
    case .resource(let imageID):
      guard let want = spec.imageReference else { return nil }
      guard want == have else {
        return Finding(
          .container(.imageMoved(from: have, to: want)), effect: .replace,
          change: FieldChange(field: "image", before: .value(have), after: .value(want)))
      }
      guard let image = context.dependencies[imageID] else { return nil }
      if let pending = pendingBuild(imageID, image) {
        return Finding(.container(.imagePending(ref: have, why: pending)), effect: .replace)
      }
      wantedID = image.observed.facts[.id]
    }
    if let want = wantedID, let id = f[.imageID], want != id {
      return Finding(
        .container(.imageRebuilt(ref: have, wanted: short(want), running: short(id))), effect: .replace,
        change: FieldChange(field: "imageID", before: .value(short(id)), after: .value(short(want))))
    }
    return nil
  }

  /// Why the image will be a new one by the time the container is replaced: it is missing, or this plan rebuilds it.
  static func pendingBuild(_ id: ResourceID, _ image: FindingContext.Dependency) -> String? {
    if let pin = (image.spec as? ImageSpec)?.pin, image.step != nil {
      return "goes back to \(short(pin.id)) (\(id) of generation \(pin.generation))"
    }
    if !image.observed.exists || image.step?.action == .create {
      let pulled = (image.spec as? ImageSpec)?.isManagedImage == false
      return "will be \(pulled ? "pulled" : "built") (\(id) is missing)"
    }
    if let step = image.step, step.signals.contains(where: { if case .image(.registryMoved) = $0 { true } else { false } }) {
      return "will be pulled anew (\(id) has a new digest in the registry)"
    }
    guard let step = image.step, step.action == .replace else { return nil }
    if step.signals.contains(where: { if case .image = $0 { true } else { false } }) {
      return "will be rebuilt (\(id) has a new build source)"
    }
    return "will be rebuilt (\(id): \(step.reasons.joined(separator: "; ")))"
  }

  /// The version a blue-green kept running (fact `keptPrevious`): removed once its time is past; the replacement's
  /// target when it is exactly what the manifests want (config and image) and the container is not.
  static func previousFinding(_ spec: ContainerSpec, _ f: [Fact: String], _ context: FindingContext) -> Finding? {
    guard let kept = f[.keptPrevious] else { return nil }
    let parts = kept.split(separator: " ").map(String.init)
    guard parts.count == 4 else { return nil }
    guard let until = f[.keptPreviousUntil] else { return Finding(.container(.previousExpired(parts[0])), effect: .update) }
    guard parts[1] == spec.configHash, let wanted = wantedImageID(spec, f, context), short(wanted) == short(parts[2]),
      f[.imageID].map(short) != short(parts[2]) || parts[3] != spec.configHash
    else { return nil }
    return Finding(.container(.previousTakesOver(parts[0], until: until)), effect: .replace)
  }

  /// The image the container should run by the end of this apply, when it is known now: a local reference's image,
  /// an `image` resource's (a rollback's pin), unknown when the image is about to be built or pulled.
  static func wantedImageID(_ spec: ContainerSpec, _ f: [Fact: String], _ context: FindingContext) -> String? {
    switch spec.image {
    case .reference: return f[.referenceImageID]
    case .resource(let id):
      guard let image = context.dependencies[id] else { return nil }
      if let pin = (image.spec as? ImageSpec)?.pin, image.step != nil { return pin.id }
      return pendingBuild(id, image) == nil ? image.observed.facts[.id] : nil
    }
  }

  static func stateFinding(_ desired: ContainerSpec.DesiredState, _ f: [Fact: String]) -> Finding? {
    let state = ContainerRunState(f[.state])
    func change(_ after: String) -> FieldChange {
      FieldChange(field: "state", before: .value(state.text), after: .value(after))
    }
    switch (desired, state) {
    case (.running, .running):
      guard f[.health] == "unhealthy" else { return nil }
      return Finding(.container(.unhealthy), effect: .update, change: FieldChange(field: "health", before: .value("unhealthy"), after: .value("restarted")))
    case (.running, _):
      let signal = ContainerSignal.notRunning(state, exitCode: f[.exitCode])
      return Finding(.container(signal), effect: signal.remedy == .replace ? .replace : .update, change: change("running"))
    case (.stopped, .running), (.stopped, .restarting), (.stopped, .paused):
      return Finding(.container(.notStopped(state)), effect: .update, change: change("stopped"))
    case (.stopped, _):
      return nil
    }
  }

  /// `sha256:0123456789ab…` -> `0123456789ab`.
  static func short(_ id: String) -> String {
    let hex = id.hasPrefix("sha256:") ? String(id.dropFirst(7)) : id
    return String(hex.prefix(12))
  }

  /// Replicas beyond the first (fact `replicas`, `app-2=running,app-3=exited`): those past the wanted number go, those
  /// within it that do not run as wanted are started. The count itself is the `replicas` attribute.
  static func replicaFindings(_ spec: ContainerSpec, _ fact: String?) -> [Finding] {
    guard let fact, !fact.isEmpty else { return [] }
    var surplus: [String] = [], down: [String] = []
    let entries = fact.split(separator: ",")
    for entry in entries {
      let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, let i = ContainerSpec.replicaIndex(of: parts[0], base: spec.dockerName) else { continue }
      if i > spec.replicas {
        surplus.append(parts[0])
      } else if spec.state == .running, parts[1] != "running" {
        down.append(parts[0])
      }
    }
    var out: [Finding] = []
    // The `replicas` attribute says when the count differs; these are the ones past the number when it does not.
    if !surplus.isEmpty, spec.replicas == 1 || entries.count + 1 == spec.replicas {
      out.append(Finding(.container(.surplusReplicas(surplus)), effect: .update))
    }
    if !down.isEmpty { out.append(Finding(.container(.replicasNotRunning(down)), effect: .update)) }
    return out
  }
}
