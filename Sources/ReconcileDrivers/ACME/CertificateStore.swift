import Foundation
import HostSystems
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// A certificate directory: `releases/N/{fullchain.pem,privkey.pem}` as `Generations` with `live` → the release in
/// force, and `fullchain.pem` / `privkey.pem` as links through `live`, so chain and key change together with one rename.
struct CertificateStore {
  let directory: String

  var releases: Generations { Generations(directory: directory, folder: "releases") }
  var chainPath: String { directory + "/fullchain.pem" }
  var keyPath: String { directory + "/privkey.pem" }
  var live: String { releases.live }
  var issuerFile: String { directory + "/issuer" }

  /// Whether the release in force is a placeholder (self-signed so the proxy can start before the first issuance).
  var isPlaceholder: Bool { FileManager.default.fileExists(atPath: live + "/placeholder") }

  /// Writes chain and key (0600) as a new release, makes it live atomically and keeps the newest three releases.
  func install(chain: String, key: String, issuer: String, placeholder: Bool = false) throws {
    let fm = FileManager.default
    do {
      try fm.createDirectory(atPath: releases.root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
      chmod(directory, 0o700)
    } catch { throw OperationError(doing: "create '\(releases.root)'", error.localizedDescription) }
    let release = releases.next
    try? fm.createDirectory(atPath: release, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    try HostFiles.write(chain, to: release + "/fullchain.pem", mode: 0o644)
    try HostFiles.write(key, to: release + "/privkey.pem", mode: 0o600)
    if placeholder { try HostFiles.write("", to: release + "/placeholder") }
    do { try releases.activate(release) } catch {
      throw OperationError(doing: "make '\(release)' live", cause: .io(path: release, errno: error.errno, call: nil))
    }
    for (link, target) in [(chainPath, "live/fullchain.pem"), (keyPath, "live/privkey.pem")] where (try? fm.destinationOfSymbolicLink(atPath: link)) != target {
      unlink(link)
      guard symlink(target, link) == 0 else { throw OperationError(doing: "link '\(link)'", cause: .io(path: link, errno: errno, call: nil)) }
    }
    try HostFiles.write(issuer + "\n", to: issuerFile)
    releases.prune(keep: 3)
  }

  /// A one-day self-signed certificate that lets a server start before the first issuance.
  func installPlaceholder(domains: [String], keyType: PrivateKey.KeyType = .ecdsaP256, issuer: String = "placeholder") throws {
    let key = try PrivateKey.generate(keyType)
    let pem = try CertificateBuilder.selfSigned(domains: domains, key: key, notBefore: Date().addingTimeInterval(-60), days: 1)
    try install(chain: pem, key: key.pem, issuer: issuer, placeholder: true)
  }

  /// The private key of the live release, when one is there.
  func liveKey() -> PrivateKey? { HostFiles.read(keyPath).flatMap { try? PrivateKey(pem: $0) } }
}
