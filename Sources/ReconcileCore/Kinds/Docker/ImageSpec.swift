import Foundation

/// `image`: built from a context directory, imported from a rootfs tarball, or an existing local image.
///
/// Built and imported images are tagged `NAME:TAG` (or the full reference `tag` gives, such as
/// `local/jules:latest`, as `docker build -t` takes it) and rebuilt only when the digest of their
/// source (every file of the context, or the tarball) changes; the observer computes that digest.
public struct ImageSpec: ResourceSpec {
  public enum Source: Sendable, Hashable {
    case build(context: String, dockerfile: String)
    case importTarball(String)
    case reference(String)
  }

  /// When an image named by `ref` is pulled: only when missing (the default), on every apply that finds the
  /// registry moved, or never.
  public enum PullPolicy: String, Sendable, Hashable { case missing, always, never }

  /// Credentials for the registry of a `ref` image; the password is a secret, never shown.
  public struct Registry: Sendable, Hashable {
    public var server: String
    public var username: String
    public var password: Text
  }

  /// The exact image a rollback puts back under the reference, instead of building or pulling one.
  public struct Pin: Sendable, Hashable {
    public var id: String
    public var generation: Int
  }

  public let id: ResourceID
  public var source: Source
  public var pin: Pin?
  /// The references pushed after a build (`push: true`): the tag, and the git revision's tag when there is one.
  public var pushed: [String] = []
  public var pull: PullPolicy = .missing
  public var registry: Registry?
  /// The Engine reference: `NAME:TAG` for built and imported images, the given one otherwise.
  public var reference: String

  /// `tag` is a plain tag (`1` -> `NAME:1`) or a full reference (`local/app:2`); nil means `latest`.
  public init(id: ResourceID, tag: String? = nil, source: Source) {
    self.id = id
    self.source = source
    if case .reference(let ref) = source {
      reference = ref
    } else {
      reference = Self.reference(name: id.name, tag: tag)
    }
  }

  static func reference(name: String, tag: String?) -> String {
    guard let tag else { return "\(name):latest" }
    guard isFullReference(tag) else { return "\(name):\(tag)" }
    return (tag.split(separator: "/").last ?? "").contains(":") || tag.contains("@") ? tag : tag + ":latest"
  }

  static func isFullReference(_ tag: String) -> Bool { tag.contains("/") || tag.contains(":") }

  /// Whether a reference's first component is a registry host (`registry:5000/app`, `localhost/app`,
  /// `ghcr.io/team/app`), as Docker reads it.
  static func namesRegistry(_ reference: String) -> Bool {
    let parts = reference.split(separator: "/")
    guard parts.count > 1, let first = parts.first else { return false }
    return first.contains(".") || first.contains(":") || first == "localhost"
  }

  /// Whether reconcile builds (and may remove) this image, or only uses one that exists.
  public var isManagedImage: Bool {
    if case .reference = source { return false }
    return true
  }

  public var locator: [String: String] { ["reference": reference] }

  public var attributes: [Attribute] {
    switch source {
    case .build(let context, let dockerfile):
      [Attribute("context", context, effect: .replace), Attribute("dockerfile", dockerfile, effect: .replace)]
    case .importTarball(let path):
      [Attribute("import", path, effect: .replace)]
    case .reference:
      []
    }
  }

  public var configHash: String { DockerLabel.configHash(attributes, of: id) }

  /// Facts: `sourceDigest` (what the image was built from, from its label) and `currentDigest`
  /// (the context or tarball now). A difference means a rebuild.
  public func findings(observed: Observation, context: FindingContext) -> [Finding] {
    if let pin {
      guard let now = observed.facts[.id], now != pin.id else { return [] }
      let (from, to) = (ContainerFindings.short(now), ContainerFindings.short(pin.id))
      return [
        Finding(
          .image(.pinned(reference: reference, generation: pin.generation, from: from, to: to)), effect: .update,
          change: FieldChange(field: "id", before: .value(from), after: .value(to)))
      ]
    }
    if case .reference(let ref) = source, pull == .always, let now = observed.facts[.registryDigest], observed.facts[.localDigest] != now {
      let here = observed.facts[.localDigest] ?? "(none)"
      return [
        Finding(
          .image(.registryMoved(reference: ref, from: ContainerFindings.short(here), to: ContainerFindings.short(now))), effect: .update,
          change: FieldChange(field: "digest", before: .value(ContainerFindings.short(here)), after: .value(ContainerFindings.short(now))))
      ]
    }
    guard isManagedImage, let current = observed.facts[.currentDigest] else { return [] }
    let built = observed.facts[.sourceDigest] ?? "(unknown)"
    guard built != current else {
      guard let unpushed = observed.facts[.unpushed] else { return [] }
      let references = unpushed.split(separator: "\n").map(String.init)
      return [Finding(.image(.unpushed(references)), effect: .update)]
    }
    let kind: ImageSignal.SourceKind = if case .build = source { .buildContext } else { .tarball }
    return [
      Finding(
        .image(.sourceChanged(kind, from: ContainerFindings.short(built), to: ContainerFindings.short(current))), effect: .replace,
        change: FieldChange(field: "digest", before: .value(ContainerFindings.short(built)), after: .value(ContainerFindings.short(current))))
    ]
  }

  public static let descriptor = KindDescriptor(name: "image") { id, r, context in
    if id.name.lowercased() != id.name, r.object["tag"].map({ if case .string(let t) = $0 { ImageSpec.isFullReference(t.value) } else { false } }) != true {
      r.report("name", "expected a lower-case image name (Docker repositories are lower case), got '\(id.name)'")
    }
    let tag = r.string("tag")
    if let tag {
      if ImageSpec.isFullReference(tag) {
        if tag.contains(" ") || tag.hasSuffix(":") || tag.hasPrefix("/") || tag.lowercased() != tag {
          r.report("tag", "expected a tag like \"1\" or a lower-case reference like \"local/app:1\", got '\(tag)'")
        }
      } else if !DockerNames.isValidContainerName(tag) || tag.count > 128 {
        r.report("tag", "expected a Docker tag ([A-Za-z0-9_.-], at most 128 characters), got '\(tag)'")
      }
    }
    var sources: [Source] = []
    if var b = r.object("build") {
      let context = b.string("context", required: true)
      let dockerfile = b.string("dockerfile") ?? "Dockerfile"
      if dockerfile.hasPrefix("/") || dockerfile.split(separator: "/").contains("..") {
        b.report("dockerfile", "expected a path inside the context, got '\(dockerfile)'")
      }
      b.finish()
      if let context { sources.append(.build(context: b.resolvePath(context), dockerfile: dockerfile)) }
    }
    if let tarball = r.string("import") { sources.append(.importTarball(r.resolvePath(tarball))) }
    if var ref = r.string("ref") {
      if ref.isEmpty || ref.contains(" ") { r.report("ref", "expected a local image reference like \"local/busybox:1\", got '\(ref)'") }
      // `tag` completes a reference without one; a reference with another tag is a contradiction.
      let hasTag = ref.contains("@") || (ref.split(separator: "/").last ?? "").contains(":")
      if let tag, ImageSpec.isFullReference(tag) {
        r.report("tag", "give the whole reference in 'ref' for an existing image, not in 'tag'")
      } else if let tag, !hasTag {
        ref += ":\(tag)"
      } else if let tag, !ref.hasSuffix(":\(tag)") {
        r.report("tag", "'ref' already names tag '\(ref.split(separator: ":").last!)', which is not '\(tag)'; give one of them")
      }
      sources.append(.reference(ref))
    }
    guard sources.count == 1 else {
      r.report(nil, sources.isEmpty ? "expected one of 'build', 'import' or 'ref'" : "give only one of 'build', 'import' or 'ref'")
      return nil
    }
    var spec = ImageSpec(id: id, tag: tag, source: sources[0])
    let isReference = if case .reference = sources[0] { true } else { false }
    if let pull = r.choice("pull", ["missing", "always", "never"]) {
      if isReference { spec.pull = ImageSpec.PullPolicy(rawValue: pull)! } else { r.report("pull", "only an image named by 'ref' is pulled") }
    }
    let push = r.bool("push") ?? false
    if push {
      if isReference {
        r.report("push", "only an image built or imported here is pushed; an image named by 'ref' comes from its registry")
      } else if !ImageSpec.namesRegistry(spec.reference) {
        r.report("push", "the tag must name a registry to push to, like \"registry.example.com/team/\(id.name):1\"; got '\(spec.reference)'")
      } else {
        spec.pushed = [spec.reference]
        if let revision = context.revision() {
          let tagged = ImageSpec.reference(name: String(spec.reference[..<spec.reference.lastIndex(of: ":")!]), tag: String(revision.prefix(12)))
          if tagged != spec.reference { spec.pushed.append(tagged) }
        }
      }
    }
    if var g = r.object("registry") {
      let server = g.string("server", required: true), username = g.string("username", required: true), password = g.text("password")
      if let password, !password.isSensitive { g.report("password", "give it as a secret (\"${secret.NAME}\"): a password is never written in the manifests") }
      g.finish()
      if !isReference && !push { r.report("registry", "only an image named by 'ref' is pulled from a registry, or one with 'push' pushed to it") }
      if let server, let username, let password { spec.registry = Registry(server: server, username: username, password: password) }
    }
    return spec
  }
}
