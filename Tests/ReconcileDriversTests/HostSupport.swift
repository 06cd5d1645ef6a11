import Foundation
import ReconcileCore
import ReconcileDrivers
import Testing
import Essentials

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
    var targets = m.resources.map { ObserveTarget(id: $0.id, locator: $0.spec.locator, spec: $0.spec) }
    for r in state.resources.values where !m.contains(r.id) { targets.append(ObserveTarget(id: r.id, locator: r.locator, spec: nil)) }
    let observed = try await drivers.observe(targets)
    return Planner(registry: .builtIn, form: Self.form).plan(m, observed: observed, state: state, now: Date())
  }

  /// Performs every step in plan order and returns the state an apply would record.
  @discardableResult
  func apply(_ m: Manifest, state: StateSnapshot = StateSnapshot(lineage: "t")) async throws -> StateSnapshot {
    let p = try await plan(m, state: state)
    for step in p.steps { try await drivers.perform(step) }
    var s = StateSnapshot(lineage: "t", serial: state.serial + 1)
    for r in m.resources { s.resources[r.id] = Self.form.record(for: r, at: Date()) }
    return s
  }

  func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
  func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  func mode(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
  }

  func cleanup() { try? FileManager.default.removeItem(atPath: root) }
}
