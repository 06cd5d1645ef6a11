/// Turns values into what the state store may keep: inline values verbatim, content as a digest, secrets as a keyed hash.
public struct RecordForm: Sendable {
  public let hasher: HMACSHA256

  public init(hasher: HMACSHA256) {
    self.hasher = hasher
  }

  public func value(_ value: String, of attribute: Attribute) -> String {
    if attribute.isSensitive { return "hmac-sha256:" + hasher.mac(value) }
    if attribute.style == .content { return "sha256:" + SHA256.hash(value).hex }
    return value
  }

  /// An observed value in the same form as a recorded one (the recorded prefix says which form).
  public func observed(_ value: String, like recorded: String) -> String {
    if recorded.hasPrefix("hmac-sha256:") { return "hmac-sha256:" + hasher.mac(value) }
    if recorded.hasPrefix("sha256:") { return "sha256:" + SHA256.hash(value).hex }
    return value
  }

  public func attributes(of spec: any ResourceSpec) -> [String: String] {
    var out: [String: String] = [:]
    for a in spec.attributes { out[a.name] = value(a.value, of: a) }
    return out
  }

  /// The fingerprint of a desired spec: equal fingerprints mean the manifest asks for the same thing.
  public func fingerprint(of spec: any ResourceSpec) -> String {
    var h = SHA256()
    h.update(spec.id.description + "\n")
    for (k, v) in spec.locator.sorted(by: { $0.key < $1.key }) { h.update("@\(k)=\(v)\n") }
    h.update(spec.wantsAbsent ? "absent\n" : "present\n")
    for a in spec.attributes { h.update("\(a.name)=\(value(a.value, of: a))\n") }
    return "sha256:" + h.finalize().hex
  }

  /// A digest of an observation with every value hashed (secrets never in clear).
  public func digest(of o: Observation) -> String {
    var h = SHA256()
    h.update(o.exists ? "exists\n" : "absent\n")
    for (k, v) in o.attributes.sorted(by: { $0.key < $1.key }) { h.update("\(k)=\(hasher.mac(v))\n") }
    for (k, v) in o.facts.sorted(by: { $0.key < $1.key }) { h.update("!\(k.rawValue)=\(v)\n") }
    return h.finalize().hex
  }

  public func record(for resource: Resource, at time: Date) -> ResourceRecord {
    ResourceRecord(
      id: resource.id, locator: resource.spec.locator, attributes: attributes(of: resource.spec),
      dependsOn: resource.dependsOn, appliedAt: time, fingerprint: fingerprint(of: resource.spec))
  }
}

import Foundation
import Essentials
