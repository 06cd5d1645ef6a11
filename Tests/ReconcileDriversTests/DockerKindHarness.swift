import Foundation
import ReconcileCore
import Testing

@testable import ReconcileDrivers
import Essentials

/// Decode → observe → plan → perform against the real Engine, as the CLI does it, with the
/// state kept in memory. Every object the driver creates carries the scope's test labels.
final class DockerKindHarness: @unchecked Sendable {
  struct NoTemplates: TemplateSource {
    func load(_ name: String) -> (text: String, file: String)? { nil }
  }

  let scope: DockerTestScope
  let driver: DockerDriver
  let form = RecordForm(hasher: HMACSHA256(key: Array("docker-test-key".utf8)))
  var state = StateSnapshot(lineage: "docker-tests")
  var secrets: [String: String] = [:]
  var manifestFile = "/tmp/m.json"

  init(_ scope: DockerTestScope) {
    self.scope = scope
    driver = DockerDriver(client: scope.client, extraLabels: scope.labels)
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
    var targets = manifest.resources.map { ObserveTarget(id: $0.id, locator: $0.spec.locator, spec: $0.spec) }
    for record in state.resources.values where !manifest.contains(record.id) {
      targets.append(ObserveTarget(id: record.id, locator: record.locator, spec: nil))
    }
    return ObservedState(try await driver.observe(targets))
  }

  func plan(_ manifest: Manifest, pruneVolumes: Bool = false) async throws -> Plan {
    let observed = try await observe(manifest)
    return Planner(registry: .builtIn, form: form).plan(
      manifest, observed: observed, state: state, options: PlanOptions(pruneKinds: pruneVolumes ? ["volume"] : []), now: Date())
  }

  func render(_ plan: Plan) -> String { PlanTextRenderer().render(plan) }

  /// Performs every step in plan order (dependencies first, destroys last); returns the failures.
  @discardableResult
  func apply(_ manifest: Manifest, pruneVolumes: Bool = false) async throws -> [String] {
    let plan = try await plan(manifest, pruneVolumes: pruneVolumes)
    var failures: [String] = []
    var failed = Set<ResourceID>()
    for step in plan.steps {
      if step.after.contains(where: failed.contains) {
        failed.insert(step.id)
        continue
      }
      do {
        try await driver.perform(step)
        if step.action == .destroy {
          state.resources[step.id] = nil
        } else if let resource = manifest[step.id] {
          state.resources[step.id] = form.record(for: resource, at: Date())
        }
      } catch {
        failed.insert(step.id)
        failures.append("\(error)")
      }
    }
    for id in plan.forgotten { state.resources[id] = nil }
    for id in plan.unchanged where state.resources[id] == nil { state.resources[id] = form.record(for: manifest[id]!, at: Date()) }
    return failures
  }

  /// Apply, then expect the next plan to be empty (idempotence).
  func applyAndExpectNoChanges(_ manifest: Manifest, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let failures = try await apply(manifest)
    #expect(failures.isEmpty, "apply failed: \(failures)", sourceLocation: sourceLocation)
    let again = try await plan(manifest)
    #expect(again.isEmpty, "plan after apply is not empty:\n\(render(again))", sourceLocation: sourceLocation)
  }
}
