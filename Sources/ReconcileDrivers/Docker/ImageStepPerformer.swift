import DockerEngine
import Foundation
import ReconcileCore
import Essentials

/// Performs planned image steps: build from a context, import a tarball, check an existing image.
struct ImageStepPerformer: Sendable {
  let client: DockerEngineClient
  let extraLabels: [String: String]
  let retention: ImageRetention

  func perform(_ step: Step) async throws {
    let verb = step.action.rawValue
    do {
      switch step.action {
      case .create, .update, .replace:
        guard let spec = step.desired as? ImageSpec else { throw OperationError("the step carries no image spec") }
        // Only a push is missing: the image here is the right one.
        let onlyPush = step.action == .update && !step.signals.isEmpty && step.signals.allSatisfy { if case .image(.unpushed) = $0 { true } else { false } }
        if !onlyPush { try await make(spec) }
        if !spec.pushed.isEmpty { try await RegistryPull(client: client).push(spec) }
        // A new tag replaces the old one; the image itself goes when nothing uses it any more.
        if let old = step.prior?.locator["reference"], old != spec.reference {
          try await remove(reference: old, id: step.id)
        }
      case .destroy:
        let reference = step.prior?.locator["reference"] ?? (step.desired as? ImageSpec)?.reference ?? ""
        try await remove(reference: reference, id: step.id)
      }
    } catch let error as DockerEngineError {
      throw error.operationError(doing: verb, of: step.id)
    } catch let error as OperationError {
      throw error.within(verb, of: step.id)
    } catch let error as DockerSourceDigest.Unreadable {
      throw OperationError(doing: verb, of: step.id, cause: .failed("\(error)"))
    }
  }

  /// Builds or imports the image under its tag; older images of the resource are removed when no
  /// container uses them any more (the Engine refuses otherwise, and that is fine).
  func make(_ spec: ImageSpec) async throws {
    if let pin = spec.pin { return try await ImageRetention.restore(spec, pin: pin, client: client) }
    let newID: String
    switch spec.source {
    case .build(let context, let dockerfile):
      let digest = try DockerSourceDigest.contextDigest(context, dockerfile: dockerfile)
      let labels = DockerLabel.image(spec, sourceDigest: digest, extra: extraLabels)
      let ignore = try DockerIgnore(context: context, dockerfile: dockerfile)
      var tar = TarWriter()
      try tar.addTree(at: URL(fileURLWithPath: context), excluding: ignore.excludes)
      let output = Locked([String]())
      do {
        newID = try await client.buildImage(context: tar.finish(), tag: spec.reference, dockerfile: dockerfile, labels: labels) { line in
          output.withLock { $0.append(line) }
        }
      } catch let error as DockerEngineError {
        let tail = output.withLock { $0.joined() }.split(separator: "\n").suffix(10).map { "    " + $0 }.joined(separator: "\n")
        throw error.operationError(detail: tail.isEmpty ? "" : "\n  build output (last lines):\n" + tail)
      }
    case .importTarball(let path):
      let labels = DockerLabel.image(spec, sourceDigest: try DockerSourceDigest.fileDigest(path), extra: extraLabels)
      guard let data = FileManager.default.contents(atPath: path) else {
        throw OperationError("cannot read tarball '\(path)'")
      }
      let changes = labels.sorted { $0.key < $1.key }.map { "LABEL \(Self.quote($0.key))=\(Self.quote($0.value))" }
      let slash = spec.reference.lastIndex(of: ":")!
      newID = try await client.importImage(
        rootfs: data, repo: String(spec.reference[..<slash]), tag: String(spec.reference[spec.reference.index(after: slash)...]),
        changes: changes)
    case .reference(let ref):
      let present = try await client.inspectImageIfPresent(ref) != nil
      switch spec.pull {
      case .never:
        guard present else { throw OperationError("image '\(ref)' is not present locally and 'pull' is 'never'; load or build it on this host") }
      case .missing where present:
        break
      case .missing, .always:
        try await RegistryPull(client: client).pull(spec)
      }
      return
    }
    let older = try await client.listImages(labels: DockerLabel.ownedFilter(spec.id))
    let kept = retention.keptIDs()
    for image in older where image.id != newID && !kept.contains(image.id) {
      try? await client.removeImage(image.id)
    }
  }

  /// Removes the tag reconcile built; an image reconcile did not build is never removed, nor one a kept generation uses. When a container still runs
  /// the image (a new tag shipped: the container is replaced after this step), the tag is only taken off: the Engine
  /// keeps the image while it is used, and the container's replacement removes it once it is not.
  func remove(reference: String, id: ResourceID) async throws {
    guard let image = try await client.inspectImageIfPresent(reference) else { return }
    guard image.config?.labels?[DockerLabel.resource] == id.description else { return }
    // A kept generation runs it: the tag stays with it until that generation is dropped (removing the last tag would
    // remove the image).
    if retention.keptIDs().contains(image.id), (image.repoTags?.count ?? 0) <= 1 { return }
    do {
      try await client.removeImage(reference)
    } catch let error as DockerEngineError where error.isConflict {
      if (image.repoTags?.count ?? 0) > 1 { return }
      try await client.removeImage(reference, force: true, noPrune: true)
    }
  }

  /// A Dockerfile word in double quotes.
  static func quote(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
  }
}
