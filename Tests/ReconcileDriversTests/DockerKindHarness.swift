import Foundation
import ReconcileCore
import Testing

@testable import ReconcileDrivers
import Essentials
import TestSupport

/// Decode → observe → plan → apply against the real Engine through the Runtime's transaction, as the CLI does it,
/// with the state kept in memory. Every object the driver creates carries the scope's test labels.
final class DockerKindHarness: @unchecked Sendable {
  struct NoTemplates: TemplateSource {
    func load(_ name: String) -> (text: String, file: String)? { nil }
  }

  let scope: DockerTestScope
  let driver: DockerDriver
  let harness: ApplyHarness
  var secrets: [String: String] = [:]
  var manifestFile = "/tmp/m.json"

  init(_ scope: DockerTestScope) {
    self.scope = scope
    driver = DockerDriver(client: scope.client, extraLabels: scope.labels)
    harness = ApplyHarness(host: DriverSet([driver]))
  }

  func decode(_ json: String) throws -> Manifest {
    let decoder = ManifestDecoder(registry: .builtIn, secrets: FixedSecrets(secrets), context: DecodeContext(templates: NoTemplates()))
    do {
      return try decoder.decode([ManifestSource(file: manifestFile, data: Data(json.utf8))])
    } catch {
      Issue.record("manifest did not decode: \(error.issues.map(\.description))")
      throw error
    }
  }

  func observe(_ manifest: Manifest) async throws -> ObservedState {
    try await harness.observe(manifest)
  }

  func plan(_ manifest: Manifest, pruneVolumes: Bool = false) async throws -> Plan {
    try await harness.plan(manifest, options: PlanOptions(pruneKinds: pruneVolumes ? ["volume"] : []))
  }

  func render(_ plan: Plan) -> String { PlanTextRenderer().render(plan) }

  /// One apply as the CLI runs it (dependencies first, destroys last, dependents of a failure skipped); returns the
  /// failures.
  @discardableResult
  func apply(_ manifest: Manifest, pruneVolumes: Bool = false) async throws -> [String] {
    ApplyHarness.failures(try await harness.apply(manifest, options: PlanOptions(pruneKinds: pruneVolumes ? ["volume"] : [])))
  }

  /// Apply, then expect the next plan to be empty (idempotence).
  func applyAndExpectNoChanges(_ manifest: Manifest, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let failures = try await apply(manifest)
    #expect(failures.isEmpty, "apply failed: \(failures)", sourceLocation: sourceLocation)
    let again = try await plan(manifest)
    #expect(again.isEmpty, "plan after apply is not empty:\n\(render(again))", sourceLocation: sourceLocation)
  }
}
