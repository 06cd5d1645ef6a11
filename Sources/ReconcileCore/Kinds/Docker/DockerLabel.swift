import Essentials
import Foundation

/// The labels reconcile puts on every Docker object it manages: their keys, and the one place where each kind's
/// label set is assembled (drivers stamp what these functions return and read back through them).
public enum DockerLabel {
  /// `true` on every managed object; observers list with this filter and touch nothing else.
  public static let managed = "io.reconcile.managed"
  /// `KIND/NAME`, the one spelling of the resource.
  public static let resource = "io.reconcile.resource"
  /// SHA-256 of the canonical desired spec (replace-only attributes), as docker compose does.
  public static let configHash = "io.reconcile.config-hash"
  /// The attributes the object was created with, in label form (secrets hashed), as JSON.
  public static let spec = "io.reconcile.spec"
  /// The image reference a container was created from (`app:1`, `local/busybox:1`).
  public static let imageRef = "io.reconcile.image-ref"
  /// The build context (or import tarball) digest an image was built from.
  public static let sourceDigest = "io.reconcile.source-digest"

  /// `1` on the short-lived helper container a volume backup reads through (`docker create --label`).
  public static let backupHelper = "io.reconcile.backup-helper"

  /// The labels a manifest may not set.
  public static let reserved: Set<String> = [managed, resource, configHash, spec, imageRef, sourceDigest, project]

  /// The project an object belongs to (`Project`).
  public static let project = "io.reconcile.project"

  /// Whether an object with these labels may be the resource of `wanted`: it carries that project, or none at all
  /// (made before objects carried one). An object of another project never is.
  public static func belongs(_ labels: [String: String]?, to wanted: String?) -> Bool {
    guard let theirs = labels?[project] else { return true }
    return theirs == wanted
  }

  /// How an attribute value is kept in a label: verbatim, or hashed when a secret flowed in.
  /// (The secret itself is in the container's own `Config.Env`; the hash reveals nothing more.)
  public static func value(of attribute: Attribute, of id: ResourceID) -> String {
    attribute.isSensitive ? "sha256:" + SHA256.hash("\(id)\n\(attribute.name)\n\(attribute.value)").hex : attribute.value
  }

  /// The config hash over `attributes` in label form.
  public static func configHash(_ attributes: [Attribute], of id: ResourceID) -> String {
    var h = SHA256()
    h.update("\(id)\n")
    for a in attributes { h.update("\(a.name)=\(value(of: a, of: id))\n") }
    return "sha256:" + h.finalize().hex
  }

  /// The labels every managed object carries.
  public static func base(_ id: ResourceID, hash: String) -> [String: String] {
    [managed: "true", resource: id.description, configHash: hash]
  }

  // MARK: - Label sets, per kind

  /// A container's labels: the manifest's, then reconcile's own (base, spec, image reference); `extra` only
  /// where neither set a key.
  public static func container(_ spec: ContainerSpec, imageRef: String, extra: [String: String] = [:]) -> [String: String] {
    var own = spec.labels
    for (k, v) in base(spec.id, hash: spec.configHash) { own[k] = v }
    own[self.spec] = specValue(spec.attributes, of: spec.id)
    own[self.imageRef] = imageRef
    return own.merging(extra) { ours, _ in ours }
  }

  /// A service's labels: the manifest's, then reconcile's own (base and spec); `extra` only where neither set a key.
  public static func service(_ spec: ServiceSpec, extra: [String: String] = [:]) -> [String: String] {
    var own = spec.labels
    for (k, v) in base(spec.id, hash: spec.configHash) { own[k] = v }
    own[self.spec] = specValue(spec.attributes.filter { $0.name != "mode" }, of: spec.id)
    return own.merging(extra) { ours, _ in ours }
  }

  /// An image's labels: reconcile's own (base, spec, and the source digest of a build or import); `extra` only
  /// where they set no key.
  public static func image(_ spec: ImageSpec, sourceDigest: String?, extra: [String: String] = [:]) -> [String: String] {
    var own = base(spec.id, hash: spec.configHash)
    own[self.spec] = specValue(spec.attributes, of: spec.id)
    if let sourceDigest { own[self.sourceDigest] = sourceDigest }
    return own.merging(extra) { ours, _ in ours }
  }

  /// A network's or volume's labels: the base set; `extra` only where it sets no key.
  public static func object(_ id: ResourceID, hash: String, extra: [String: String] = [:]) -> [String: String] {
    base(id, hash: hash).merging(extra) { ours, _ in ours }
  }

  /// The list filter that finds every managed object (a nil value would match the key alone).
  public static let managedFilter: [String: String?] = [managed: "true"]

  /// The list filter that finds the managed objects stamped with `id`.
  public static func ownedFilter(_ id: ResourceID) -> [String: String?] {
    [managed: "true", resource: id.description]
  }

  /// Whether an object's labels mark it as managed by reconcile.
  public static func isManaged(_ labels: [String: String]?) -> Bool { labels?[managed] == "true" }

  /// `io.reconcile.managed=true`, as an Engine event filter spells it.
  public static let managedSelector = "\(managed)=true"

  // MARK: - The spec label

  /// The `spec` label: the attributes in label form (secrets hashed), as JSON with sorted keys.
  public static func specValue(_ attributes: [Attribute], of id: ResourceID) -> String {
    var stored: [String: String] = [:]
    for a in attributes { stored[a.name] = value(of: a, of: id) }
    let data = (try? JSONSerialization.data(withJSONObject: stored, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
  }

  /// The attribute values stored in an object's `spec` label (empty when it has none).
  public static func storedSpec(_ labels: [String: String]) -> [String: String] {
    guard let text = labels[spec], let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
    else { return [:] }
    return object
  }

  /// Observed values of `attributes`: when the config hash label matches, the object was created
  /// from exactly these values; otherwise each one is read from the spec label (secrets compared
  /// by hash, never read back in clear).
  public static func observedAttributes(
    _ attributes: [Attribute], of id: ResourceID, labels: [String: String], desiredHash: String
  ) -> [String: String] {
    var out: [String: String] = [:]
    if labels[configHash] == desiredHash {
      for a in attributes { out[a.name] = a.value }
      return out
    }
    let stored = storedSpec(labels)
    for a in attributes {
      if let value = observed(stored[a.name], for: a, of: id) { out[a.name] = value }
    }
    return out
  }

  /// The value an observer reports for `attribute` given the value stored in a label: the desired
  /// value when they agree (so a secret never needs to be read back), the stored form otherwise.
  public static func observed(_ stored: String?, for attribute: Attribute, of id: ResourceID) -> String? {
    guard let stored else { return nil }
    return stored == value(of: attribute, of: id) ? attribute.value : stored
  }
}
