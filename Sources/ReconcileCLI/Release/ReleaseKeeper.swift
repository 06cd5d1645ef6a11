import Foundation
import ReconcileCore
import ReconcileDrivers
import ReconcileRuntime

/// What shipping adds to an apply: the post-apply checks (`verify`), a generation for every complete, successful apply,
/// and, with `policy.rollbackOnFailure`, going back to the latest generation when the apply or its checks fail.
struct ReleaseKeeper {
  let ws: Workspace
  let terminal: Terminal

  var generations: GenerationStore { GenerationStore(stateDirectory: ws.store.directory) }

  /// How the release ended, beyond the steps' own outcomes.
  enum Verdict: Sendable, Equatable {
    /// Nothing to add: a generation was recorded (or the same release is the latest), or the apply was partial.
    case kept(Generation?)
    /// The apply failed, or its checks did (listed), and nothing went back.
    case failed([String])
    /// The apply or its checks failed; the host went back to generation `to` (recorded as `as`).
    case rolledBack(to: Int, as: Int?, because: String)
    /// Going back failed too: the host is in between; the errors say where.
    case rollbackFailed(to: Int, because: String)

    var succeeded: Bool { if case .kept = self { true } else { false } }

    /// The alert a rollback raises (`apply-rolled-back`), whether it worked or not.
    var alert: (subject: String, message: String)? {
      switch self {
      case .rolledBack(let to, _, let why): ("generation \(to)", "the apply failed and the host went back to generation \(to): \(why)")
      case .rollbackFailed(let to, let why): ("generation \(to)", "the apply failed and going back to generation \(to) failed too: \(why)")
      case .kept, .failed: nil
      }
    }
  }

  /// After the transaction: check, then record or roll back. `restoring` is the generation a rollback applied.
  func finish(
    _ manifest: Manifest, _ r: ApplyTransaction.Result, revision: String?, command: String, restoring: Generation?, rejected: Generation.Rejection?,
    rollback: (Generation, Generation.Rejection) async throws -> ApplyTransaction.Result
  ) async throws -> Verdict {
    guard r.applied else { return .kept(nil) }
    let changed = !r.plan.isEmpty
    var failures = r.outcomes.compactMap { o -> String? in if case .failed(let why) = o.status { "\(o.id): \(why)" } else { nil } }
    if failures.isEmpty, changed, !manifest.release.verify.isEmpty {
      terminal.out("\nVerifying: \(manifest.release.verify.map { Verifier.shown($0.url) }.joined(separator: ", "))\n")
      failures = await Verifier().run(manifest.release.verify)
      for f in failures { terminal.error(f) }
      if failures.isEmpty { terminal.out("Verified.\n") }
    }
    if failures.isEmpty {
      // A narrowed plan (--target, drift held by the controller) is not a whole release.
      guard r.plan.steps.count == r.proposed.steps.count else { return .kept(nil) }
      do {
        let g = try await record(manifest, revision: revision, command: command, restoring: restoring, rejected: rejected)
        if let g, changed || restoring != nil {
          terminal.out("Recorded generation \(g.number)\(restoring.map { " (restores generation \($0.number))" } ?? "").\n")
        }
        return .kept(g)
      } catch {
        // The apply itself is done and saved; only its generation is missing.
        terminal.warning("the apply succeeded, but its generation was not recorded: \(error)")
        return .kept(nil)
      }
    }
    guard changed, manifest.release.rollbackOnFailure, restoring == nil, let latest = try generations.list().last else { return .failed(failures) }
    let why = failures.count == 1 ? failures[0] : "\(failures.count) failures, the first: \(failures[0])"
    terminal.out("\nRolling back to generation \(latest.number) (policy.rollbackOnFailure): \(why)\n\n")
    do {
      let rejection = Generation.Rejection(
        manifestDigest: manifest.digest, imageSources: Generation.Rejection.imageSources(of: manifest, in: r.observed), reason: why)
      let back = try await rollback(latest, rejection)
      guard back.succeeded else { return .rollbackFailed(to: latest.number, because: why) }
    } catch {
      terminal.error("could not roll back to generation \(latest.number): \(error)")
      return .rollbackFailed(to: latest.number, because: why)
    }
    return .rolledBack(to: latest.number, as: try generations.list().last?.number, because: why)
  }

  /// Records the generation of a successful apply: the manifests as read and the image each `image` resource resolved
  /// to now. Images only dropped generations used are removed when reconcile built them and nothing runs them.
  func record(_ manifest: Manifest, revision: String?, command: String, restoring: Generation?, rejected: Generation.Rejection?) async throws
    -> Generation?
  {
    let images = try await resolvedImages(manifest)
    let (recorded, dropped) = try generations.record(keep: manifest.release.keepGenerations) { number in
      var g = Generation(
        number: number, time: Date(), manifestDigest: manifest.digest, revision: revision, by: ApplyPipeline.operator, command: command,
        restores: restoring?.number, rejected: rejected,
        sources: manifest.sources, images: images)
      g.variables = manifest.overrides.isEmpty ? nil : manifest.overrides
      return g
    }
    let released = Set(dropped.flatMap { $0.images.values.map(\.id) }).subtracting(generations.keptImageIDs())
    if !released.isEmpty {
      let references = Set(manifest.resources.compactMap { ($0.spec as? ImageSpec)?.reference })
      await DockerDriver(environment: ProcessInfo.processInfo.environment).release(released, keepingReferences: references)
    }
    return recorded
  }

  /// Whether `manifest`, with its image sources as they are now, is what the latest generation rolled back from.
  func isRejected(_ manifest: Manifest, by latest: Generation) async throws -> Bool {
    guard let rejected = latest.rejected, rejected.manifestDigest == manifest.digest else { return false }
    let state = try ws.store.load()
    let project = Project.resolve(declared: manifest.project, lineage: state.lineage)
    let targets = manifest.resources.filter { $0.id.kind == "image" }.map {
      ObserveTarget(id: $0.id, locator: $0.spec.locator, spec: $0.spec, project: project)
    }
    let observed = targets.isEmpty ? ObservedState() : try await ws.drivers.observe(targets)
    return Generation.Rejection.imageSources(of: manifest, in: observed) == rejected.imageSources
  }

  /// The image ID (and registry digest, when pulled) of every `image` resource, observed now.
  func resolvedImages(_ manifest: Manifest) async throws -> [String: Generation.Image] {
    let state = try ws.store.load()
    let project = Project.resolve(declared: manifest.project, lineage: state.lineage)
    let targets = manifest.resources.compactMap { r -> ObserveTarget? in
      guard var spec = r.spec as? ImageSpec else { return nil }
      spec.pull = .never  // what is here now; the registry is not asked again
      return ObserveTarget(id: r.id, locator: spec.locator, spec: spec, project: project)
    }
    guard !targets.isEmpty else { return [:] }
    let observed = try await ws.drivers.observe(targets)
    var out: [String: Generation.Image] = [:]
    for t in targets {
      guard let spec = t.spec as? ImageSpec, let id = observed[t.id].facts[.id] else { continue }
      out[t.id.description] = Generation.Image(reference: spec.reference, id: id, digest: observed[t.id].facts[.localDigest])
    }
    return out
  }

  /// The manifests of generation `g`, read as they were (secrets looked up now), with its images pinned.
  func manifest(of g: Generation) throws -> Manifest {
    var decoder = ManifestDecoder(
      registry: ws.registry, secrets: ws.secrets, context: DecodeContext(templates: ws.templates, revision: { g.revision }, invocation: ws.invocation))
    decoder.overrides = (g.variables ?? [:]).sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value, origin: "generation \(g.number)") }
    do {
      return ws.scoped(g.pinning(try decoder.decode(g.sources)))
    } catch {
      throw OperationError(doing: "read the manifests of generation \(g.number)", "they no longer decode here:\n\(error.description)")
    }
  }
}
