import Foundation
import ReconcileCore
import Essentials

/// Which certificate files (by content digest) a server loaded at its last successful reload or start, kept in
/// `PREFIX/run/loaded-certificates`. A site's observation compares it with the files on disk today, so a renewal
/// that a server has not picked up yet shows as `reload: certificate/x changed since nginx last loaded it`.
struct LoadedCertificates {
  let prefix: String

  var file: String { prefix + "/run/loaded-certificates" }

  /// Reads every `sites/*.certs` of the live generation and records the digests of the files they name.
  func record(from live: String) throws {
    var lines: [String] = []
    for path in Self.paths(in: live).sorted() { lines.append("\(Self.digest(path)) \(path)") }
    try HostFiles.write(lines.joined(separator: "\n") + "\n", to: file)
  }

  /// path → digest as recorded at the last reload.
  func loaded() -> [String: String] {
    var out: [String: String] = [:]
    for line in (HostFiles.read(file) ?? "").split(separator: "\n") {
      let parts = line.split(separator: " ", maxSplits: 1)
      if parts.count == 2 { out[String(parts[1])] = String(parts[0]) }
    }
    return out
  }

  static func paths(in live: String) -> [String] {
    let sites = live + "/sites"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: sites)) ?? []
    return names.filter { $0.hasSuffix(".certs") }.flatMap { (HostFiles.read("\(sites)/\($0)") ?? "").split(separator: "\n").map(String.init) }
  }

  /// SHA-256 of a file's bytes, or `missing`.
  static func digest(_ path: String) -> String {
    guard let data = FileManager.default.contents(atPath: path) else { return "missing" }
    var h = SHA256()
    h.update(Array(data))
    return h.finalize().hex
  }
}
