import Foundation

/// One successful apply, kept so that the host can go back to it: the manifests exactly as they were read (variables
/// are defined in them; secrets appear only as `${secret.NAME}` references, their values are looked up again), the
/// image each `image` resource resolved to, and where the manifests came from. NixOS generations, for a whole host.
public struct Generation: Sendable, Codable, Equatable {
  /// The exact image an `image` resource resolved to: its reference then, its ID, and the registry digest when pulled.
  public struct Image: Sendable, Codable, Equatable {
    public var reference: String
    public var id: String
    public var digest: String?

    public init(reference: String, id: String, digest: String? = nil) {
      self.reference = reference
      self.id = id
      self.digest = digest
    }
  }

  public var number: Int
  public var time: Date
  public var manifestDigest: String
  public var revision: String?
  public var user: String
  public var host: String
  public var command: String
  /// The generation this one went back to, when it was made by a rollback.
  public var restores: Int?
  /// When a failed apply rolled back to make this one: the digest of the manifests that failed, and why. The
  /// controller does not apply those manifests again; a change to them (or `reconcile apply`) tries anew.
  public var rejected: Rejection?
  /// The manifest files as read: name, the directory relative paths resolve against, bytes.
  public var sources: [ManifestSource]
  public struct Rejection: Sendable, Codable, Equatable {
    public var manifestDigest: String
    /// What each image resource was made from then (its build context's or tarball's digest, or the registry's digest):
    /// a new build context is a new release even when the manifests are the same.
    public var imageSources: [String: String]
    public var reason: String

    public init(manifestDigest: String, imageSources: [String: String], reason: String) {
      self.manifestDigest = manifestDigest
      self.imageSources = imageSources
      self.reason = reason
    }

    /// The image sources an observation shows (facts `currentDigest`, else `registryDigest`).
    public static func imageSources(of manifest: Manifest, in observed: ObservedState) -> [String: String] {
      var out: [String: String] = [:]
      for r in manifest.resources where r.id.kind == "image" {
        if let d = observed[r.id].facts[.currentDigest] ?? observed[r.id].facts[.registryDigest] { out[r.id.description] = d }
      }
      return out
    }
  }

  /// Keyed by the image resource (`image/app`).
  public var images: [String: Image]
  /// The variables given from outside the files (`--var`, `--var-file`, `--environment`) as they applied; nil in a
  /// generation recorded before they were kept.
  public var variables: [String: String]?

  public init(
    number: Int, time: Date, manifestDigest: String, revision: String?, by: HistoryEntry.Operator, command: String, restores: Int? = nil,
    rejected: Rejection? = nil, sources: [ManifestSource], images: [String: Image]
  ) {
    self.number = number
    self.time = time
    self.manifestDigest = manifestDigest
    self.revision = revision
    self.user = by.user
    self.host = by.host
    self.command = command
    self.restores = restores
    self.rejected = rejected
    self.sources = sources
    self.images = images
  }

  /// Whether `other` declares the same thing with the same images: then no new generation is recorded.
  /// Compares the files' bytes and where they resolve, not the digest: that one also covers the paths as spelled, which
  /// change with the working directory.
  public func isSameRelease(as other: Generation) -> Bool {
    images == other.images && sources.map(\.data) == other.sources.map(\.data) && sources.map(\.directory) == other.sources.map(\.directory)
      && (variables ?? [:]) == (other.variables ?? [:])
  }

  /// The manifests of this generation with every `image` resource pinned to the image it resolved to.
  public func pinning(_ manifest: Manifest) -> Manifest {
    let resources = manifest.resources.map { r -> Resource in
      guard var image = r.spec as? ImageSpec, let pinned = images[r.id.description] else { return r }
      image.pin = ImageSpec.Pin(id: pinned.id, generation: number)
      return r.replacing(spec: image)
    }
    return manifest.replacing(resources: resources)
  }
}
