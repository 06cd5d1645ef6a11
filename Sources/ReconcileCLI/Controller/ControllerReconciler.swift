import Foundation
import HTTPKit
import ReconcileCore
import ReconcileDrivers
import ReconcileRuntime
import Essentials

/// One controller run: pick the revision, validate, observe, plan, apply what the policy allows, report.
final class ControllerReconciler: @unchecked Sendable {
  let args: Arguments
  let terminal: Terminal
  let state: ControllerState
  let git: GitFollower?
  let alerts: AlertDispatcher
  private var failures = FailureTracker(threshold: 3)
  /// What was healed, per resource, and when: the same finding back within `healWindow` means the heal did not
  /// hold (a container a restart cannot make healthy), which counts as a failure, so it degrades instead of looping.
  private var healed: [ResourceID: (signals: [Signal], at: Date)] = [:]
  let healWindow: TimeInterval = 600
  /// Whether the manifests in force declare Docker resources.
  let usesDocker = Locked(false)
  /// The resources this controller manages (declared or recorded), as `kind/name`: Engine events of other objects,
  /// another reconcile's included, are not its business.
  let ownResources = Locked<Set<String>>([])
  /// Whether the last run's plan was empty (an Engine event it ran for may not be visible yet).
  let sawNothing = Locked(false)
  /// The managed files' and directories' own paths: a write beside them in their directories is not a trigger.
  let managedPaths = Locked<Set<String>>([])
  /// Called after each run with the paths worth watching (manifests and managed files).
  /// The managed proxies of the manifests in force, watched between runs.
  let servers: ServerWatcher
  var onWatchPaths: (@Sendable (Set<String>) -> Void)?

  init(args: Arguments, terminal: Terminal, state: ControllerState, git: GitFollower?, alerts: AlertDispatcher, logLimit: Int) {
    self.servers = ServerWatcher(logLimit: logLimit)
    self.args = args
    self.terminal = terminal
    self.state = state
    self.git = git
    self.alerts = alerts
  }

  func run(_ triggers: [Trigger]) async -> RunVerdict {
    let started = Date()
    terminal.out("\n--- run \(state.runCount + 1) (\(triggers.map(\.description).joined(separator: ", "))) ---\n")
    let verdict: RunVerdict
    var summary = ""
    do {
      (verdict, summary) = try await reconcile(triggers)
    } catch {
      verdict = .retryable("\(error)")
      summary = "\(error)"
      terminal.error("\(error)")
    }
    let outcome: String
    switch verdict {
    case .succeeded: outcome = "succeeded"
    case .retryable: outcome = "failed"
    case .terminal: outcome = "invalid"
    }
    state.finishRun(triggers: triggers, outcome: outcome, summary: summary, seconds: Date().timeIntervalSince(started))
    servers.rotateLogs()
    // A run allocates the manifests, the state and the observations, then frees them; glibc keeps freed pages in
    // its arenas. Handed back here, the controller waits with what it holds (4.7 of 9.1 MB of heap at idle over 1,000 files).
    HeapPages.handBack()
    return verdict
  }

  func reconcile(_ triggers: [Trigger]) async throws -> (RunVerdict, String) {
    let started = Date()
    var candidate: String?
    var manifestArgs = args
    if let git {
      manifestArgs.options["manifests"] = [git.source.manifestsPath]
      switch try git.next() {
      case .unchanged: break
      case .new(let sha): candidate = sha
      case .refused(let sha, let why):
        await alerts.send(.invalidRevision, subject: "git \(sha.prefix(12))", "commit \(sha.prefix(12)) \(why)")
        if let e = git.note(sha, "reconcile: refused: \(why)") { terminal.warning(e) }
      }
      state.setRevision(candidate ?? git.inForce)
      guard candidate != nil || git.inForce != nil else { return (.terminal("no valid revision yet"), "no valid revision yet") }
    }
    let ws = try Workspace(manifestArgs)
    state.setRolloutsDirectory(ws.store.directory + "/rollouts")
    var manifest: Manifest
    do {
      manifest = try ws.manifest()
    } catch let e as ManifestErrors {
      let redacted = ws.secrets.redactor.redact(e.description)
      terminal.error(redacted)
      if let git, let sha = candidate {
        try git.reject()
        await alerts.send(
          .invalidRevision, subject: "git \(sha.prefix(12))",
          "commit \(sha.prefix(12)) has invalid manifests; \(git.inForce.map { "keeping \($0.prefix(12))" } ?? "nothing applied"):\n\(redacted)")
        if let e = git.note(sha, "reconcile: invalid, not applied\n\n\(redacted)") { terminal.warning(e) }
        state.setRevision(git.inForce)
        if git.inForce != nil { return try await reconcile(triggers) }
      } else {
        await alerts.send(.invalidRevision, subject: "manifests", "the manifests are invalid; nothing was applied:\n\(redacted)")
      }
      state.setReady(false, "the manifests are invalid")
      return (.terminal(redacted), "invalid manifests (\(e.issues.count) errors)")
    }
    // A release an apply rolled back from is not tried again until the manifests or an image's source change: the
    // generation it went back to is what the controller keeps in force meanwhile.
    let keeper = ReleaseKeeper(ws: ws, terminal: terminal)
    if let latest = try keeper.generations.list().last, let rejected = latest.rejected, try await keeper.isRejected(manifest, by: latest) {
      terminal.warning(
        "these manifests were rolled back (\(rejected.reason)); keeping generation \(latest.number) in force until they or an image's source change")
      manifest = try keeper.manifest(of: latest)
    }
    state.setPolicy(selfHeal: manifest.selfHeal)
    usesDocker.withLock { $0 = manifest.resources.contains { ["container", "image", "network", "volume"].contains($0.id.kind) } }
    let recorded = (try? ws.store.load().resources.keys.map(\.description)) ?? []
    ownResources.withLock { $0 = Set(manifest.resources.map(\.id.description) + recorded) }
    managedPaths.withLock { $0 = Set(manifest.resources.compactMap { $0.spec.locator["path"] }) }
    alerts.targets = manifest.alerts
    // Watch before observing: a change made while this run is under way triggers a follow-up run.
    onWatchPaths?(watchPaths(manifest, ws: ws))
    servers.watch(manifest)
    state.feed.setGraph(manifest, store: ws.store)
    servers.historyPath.withLock { $0 = ws.store.historyPath }
    let form = try ws.form()
    let policy = DriftPolicy(manifest: manifest, form: form)
    var held: [Step] = []
    var healing: Set<ResourceID> = []
    let degraded = failures.degraded { manifest[$0].map { form.fingerprint(of: $0.spec) } }
    var pipeline = ApplyPipeline(ws: ws, args: manifestArgs, terminal: terminal, command: "reconcile controller")
    pipeline.watcher = state.feed
    let outcome: ApplyPipeline.Outcome
    do {
      outcome = try await pipeline.run(manifest: manifest, form: form, triggers: triggers.map(\.description)) { plan, snapshot, out in
        let split = policy.split(plan, state: snapshot, degraded: degraded)
        held = split.held
        healing = Set(split.driftIDs).subtracting(split.held.map(\.id))
        for s in split.held {
          out.out("\(s.id): drift held (report-only): \(s.reasons.joined(separator: "; "))\n")
        }
        out.out(PlanTextRenderer(style: .plain).render(split.apply))
        return split.apply
      }
    } catch {
      state.setReady(false, "\(ws.secrets.redactor.redact("\(error)"))")
      if (error as? OperationError)?.isEngineFailure == true {
        await alerts.send(.engineUnreachable, subject: "docker", ws.secrets.redactor.redact("\(error)"))
      }
      throw OperationError(ws.secrets.redactor.redact("\(error)"), retryable: true)
    }
    state.setReady(true, "ok")
    let result = outcome.result
    state.recordSteps(result.outcomes)
    state.setOperations(OperationFigures.gather(manifest, observed: result.observed, ws: ws))
    if let alert = outcome.release.alert { await alerts.send(.applyRolledBack, subject: alert.subject, alert.message) }
    for s in held {
      await alerts.send(.driftDetected, subject: s.id.description, s.reasons.joined(separator: "; "))
    }
    for s in result.proposed.steps {
      if let event = AlertClassifier.observed(s) { await alerts.send(event, subject: s.id.description, s.reasons.joined(separator: "; ")) }
    }
    var failed = 0
    for o in result.outcomes {
      let fingerprint = manifest[o.id].map { form.fingerprint(of: $0.spec) } ?? ""
      let isFailure: Bool
      if case .failed(let why) = o.status {
        isFailure = true
        failed += 1
        await alerts.send(.applyFailed, subject: o.id.description, ws.secrets.redactor.redact(why))
        if o.isVerdict { await alerts.send(.rolloutRolledBack, subject: o.id.description, ws.secrets.redactor.redact(why)) }
        if let step = result.plan.steps.first(where: { $0.id == o.id }), let event = AlertClassifier.failed(step) {
          await alerts.send(event, subject: o.id.description, "\(step.reasons.joined(separator: "; ")); \(ws.secrets.redactor.redact(why))")
        }
      } else if o.status == .succeeded, let signals = result.plan.steps.first(where: { $0.id == o.id })?.signals, !signals.isEmpty,
        let last = healed[o.id], last.signals == signals, started.timeIntervalSince(last.at) < healWindow
      {
        isFailure = true
        failed += 1
        terminal.warning("\(o.id): the same problem is back after it was corrected (\(signals.map(\.reason).joined(separator: "; "))); counted as a failure")
      } else {
        isFailure = false
        if o.status == .succeeded, healing.contains(o.id) {
          await alerts.send(.driftHealed, subject: o.id.description, "corrected to match the manifests")
        }
      }
      if failures.record(o.id, failed: isFailure, verdict: o.isVerdict, fingerprint: fingerprint) {
        let why = o.isVerdict ? "its new version was judged and rolled back" : "failed \(failures.threshold) runs in a row"
        await alerts.send(.resourceDegraded, subject: o.id.description, "\(why); left alone until its manifest changes")
      }
    }
    for s in result.plan.steps where result.outcomes.contains(where: { $0.id == s.id && $0.status == .succeeded }) && !s.signals.isEmpty {
      healed[s.id] = (s.signals, started)
    }
    healed = healed.filter { started.timeIntervalSince($0.value.at) < healWindow }
    if let git, let sha = candidate {
      git.accept(sha)
      state.setRevision(sha)
      let text = "reconcile: \(failed == 0 ? "applied" : "applied with \(failed) failed step(s)")\n\n\(result.plan.isEmpty ? "No changes." : result.plan.summary)"
      if let e = git.note(sha, text) { terminal.warning(e) }
    }
    var statuses: [ResourceID: ControllerState.ResourceStatus] = [:]
    for r in manifest.resources { statuses[r.id] = .init(sync: "in-sync", health: degraded.contains(r.id) ? "degraded" : "ok") }
    for s in held { statuses[s.id]?.sync = "drifted" }
    for o in result.outcomes where o.status != .succeeded { statuses[o.id]?.sync = "failed" }
    state.setResources(statuses)
    let summary = result.proposed.isEmpty ? "No changes." : result.proposed.summary
    sawNothing.withLock { $0 = result.proposed.isEmpty }
    return failed == 0 ? (.succeeded, summary) : (.retryable("\(failed) step(s) failed"), summary)
  }

  /// The manifests' directories and the parent directories of managed files.
  func watchPaths(_ manifest: Manifest, ws: Workspace) -> Set<String> {
    var dirs = Set<String>()
    let base = ManifestFiles.baseDirectory(of: ws.manifestPath)
    if let walker = FileManager.default.enumerator(atPath: base) {
      dirs.insert(base)
      while let rel = walker.nextObject() as? String {
        if rel.hasPrefix(".git") || ControllerCommand.isBelow("\(base)/\(rel)", ws.store.directory) {
          walker.skipDescendants()
          continue
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: "\(base)/\(rel)", isDirectory: &isDir), isDir.boolValue { dirs.insert("\(base)/\(rel)") }
      }
    }
    for r in manifest.resources { if let p = r.spec.locator["path"] { dirs.insert(PathText.parent(p)) } }
    return dirs
  }
}
