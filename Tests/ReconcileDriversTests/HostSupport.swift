import Foundation
import ReconcileCore
import ReconcileDrivers
import Testing
import Essentials
import TestSupport

/// A temp directory for one host-kind test, and the observe → plan → perform loop against the real drivers.
struct HostSandbox {
  let root: String
  let paths: JobPaths
  let drivers: DriverSet

  init() throws {
    root = NSTemporaryDirectory() + "reconcile-host-" + UUID().uuidString.prefix(8).lowercased()
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    paths = JobPaths(binary: "/usr/local/bin/reconcile", manifests: root + "/manifests", state: root + "/state")
    drivers = DriverSet([FileSystemDriver(), SystemdUnitDriver(), JobDriver(paths: paths)])
  }

  struct NoTemplates: TemplateSource {
    func load(_ name: String) -> (text: String, file: String)? { nil }
  }

  /// Decodes `resources` (JSON text of the list), replacing `ROOT` with the sandbox directory.
  func manifest(_ resources: String, secrets: [String: String] = [:]) throws -> Manifest {
    let json = #"{ "apiVersion": "reconcile/v1", "resources": [ \#(resources.replacingOccurrences(of: "ROOT", with: root)) ] }"#
    let decoder = ManifestDecoder(registry: .builtIn, secrets: FixedSecrets(secrets), context: DecodeContext(templates: NoTemplates()))
    return try decoder.decode([ManifestSource(file: "m.json", data: Data(json.utf8))])
  }

  static let form = RecordForm(hasher: HMACSHA256(key: Array("host-test-key".utf8)))

  func plan(_ m: Manifest, state: StateSnapshot) async throws -> Plan {
    try await ApplyHarness(host: drivers, form: Self.form).plan(m, state: state)
  }

  /// One apply through the Runtime's transaction, starting from `state`; returns the state it saved. A failed step
  /// fails the test's call.
  @discardableResult
  func apply(_ m: Manifest, state: StateSnapshot = StateSnapshot(lineage: "t")) async throws -> StateSnapshot {
    let result = try await ApplyHarness(host: drivers, store: MemoryStateStore(state), form: Self.form).apply(m)
    if let failure = ApplyHarness.failures(result).first { throw OperationError(failure) }
    return result.state
  }

  func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
  func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  func mode(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
  }

  func cleanup() { try? FileManager.default.removeItem(atPath: root) }
}
