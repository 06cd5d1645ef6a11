/// The runtime facts of a container that make the planner act, each with a reason a person can act on.
///
/// Facts the observer reports: `state` (created, running, paused, restarting, exited, dead),
/// `exitCode`, `health` (starting, healthy, unhealthy), `imageRef` (what the container was created
/// from), `wantedImageRef`, `imageID`, `wantedImageID`, `imagePending` (why the image will be rebuilt).
enum ContainerFindings {
  static func findings(for spec: ContainerSpec, observed: Observation) -> [Finding] {
    var out: [Finding] = []
    if let image = imageFinding(observed.facts, fromResource: { if case .resource = spec.image { true } else { false } }()) {
      out.append(image)
    }
    if let state = stateFinding(spec.state, observed.facts) { out.append(state) }
    return out
  }

  /// For a local reference, a changed reference is the `image` attribute's business; for an
  /// `image` resource the attribute (`image/app`) stays and the tag it resolves to moves.
  static func imageFinding(_ f: [String: String], fromResource: Bool) -> Finding? {
    let have = f["imageRef"] ?? "(unknown)"
    if let want = f["wantedImageRef"], want != have {
      guard fromResource else { return nil }
      return Finding(
        .container(.imageMoved(from: have, to: want)), effect: .replace,
        change: FieldChange(field: "image", before: .value(have), after: .value(want)))
    }
    if let pending = f["imagePending"] {
      return Finding(.container(.imagePending(ref: have, why: pending)), effect: .replace)
    }
    if let want = f["wantedImageID"], let id = f["imageID"], want != id {
      return Finding(
        .container(.imageRebuilt(ref: have, wanted: short(want), running: short(id))), effect: .replace,
        change: FieldChange(field: "imageID", before: .value(short(id)), after: .value(short(want))))
    }
    return nil
  }

  static func stateFinding(_ desired: ContainerSpec.DesiredState, _ f: [String: String]) -> Finding? {
    let state = ContainerRunState(f["state"])
    func change(_ after: String) -> FieldChange {
      FieldChange(field: "state", before: .value(state.text), after: .value(after))
    }
    switch (desired, state) {
    case (.running, .running):
      guard f["health"] == "unhealthy" else { return nil }
      return Finding(.container(.unhealthy), effect: .update, change: FieldChange(field: "health", before: .value("unhealthy"), after: .value("restarted")))
    case (.running, _):
      return Finding(.container(.notRunning(state, exitCode: f["exitCode"])), effect: .update, change: change("running"))
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
}
