import Essentials

/// The labels reconcile puts on every Docker object it manages, and the pure helpers around them.
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

  /// The labels a manifest may not set.
  public static let reserved: Set<String> = [managed, resource, configHash, spec, imageRef, sourceDigest]

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

  /// The value an observer reports for `attribute` given the value stored in a label: the desired
  /// value when they agree (so a secret never needs to be read back), the stored form otherwise.
  public static func observed(_ stored: String?, for attribute: Attribute, of id: ResourceID) -> String? {
    guard let stored else { return nil }
    return stored == value(of: attribute, of: id) ? attribute.value : stored
  }
}
