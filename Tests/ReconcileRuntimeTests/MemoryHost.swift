import Essentials
import Foundation
import ReconcileCore

/// A host held in memory for the transaction's tests: each object is what its last step wrote (the desired
/// attributes), and a step on a path listed in `refusing` fails the way a full disk does. Real state: a test reads
/// what the run left, not which calls were made.
final class MemoryHost: HostObserver, StepPerformer, @unchecked Sendable {
  let objects = Locked<[ResourceID: Observation]>([:])
  let refusing = Locked<[ResourceID: String]>([:])
  /// Refused steps that made their object before they failed (a container created that would not start).
  let leavingBehind = Locked<Set<ResourceID>>([])

  func observe(_ targets: [ObserveTarget]) async throws -> ObservedState {
    let all = objects.withLock { $0 }
    return ObservedState(Dictionary(uniqueKeysWithValues: targets.map { ($0.id, all[$0.id] ?? .absent) }))
  }

  func perform(_ step: Step) async throws {
    if let why = refusing.withLock({ $0[step.id] }) {
      if leavingBehind.withLock({ $0.contains(step.id) }) { objects.withLock { $0[step.id] = Observation(exists: true, facts: [.type: step.id.kind]) } }
      throw OperationError(doing: "write", of: step.id, cause: .failed(why))
    }
    objects.withLock { all in
      guard step.action != .destroy, let spec = step.desired, !spec.wantsAbsent else {
        all[step.id] = nil
        return
      }
      let attributes = Dictionary(spec.attributes.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
      all[step.id] = Observation(exists: true, attributes: attributes, facts: [.type: step.id.kind])
    }
  }

  subscript(_ id: String) -> Observation? { objects.withLock { $0[ResourceID(parsing: id)!] } }
}

struct NoTemplates: TemplateSource {
  func load(_ name: String) -> (text: String, file: String)? { nil }
}

/// Decodes a manifest of the given resources (JSON text of the list).
func manifest(_ resources: String, secrets: [String: String] = [:]) throws -> Manifest {
  let json = #"{ "apiVersion": "reconcile/v1", "resources": [ \#(resources) ] }"#
  let decoder = ManifestDecoder(registry: .builtIn, secrets: FixedSecrets(secrets), context: DecodeContext(templates: NoTemplates()))
  return try decoder.decode([ManifestSource(file: "m.json", data: Data(json.utf8))])
}

/// A file resource as manifest JSON.
func file(_ name: String, _ content: String, dependsOn: [String] = [], extra: String = "") -> String {
  let deps = dependsOn.isEmpty ? "" : #", "dependsOn": [\#(dependsOn.map { "\"\($0)\"" }.joined(separator: ", "))]"#
  return #"{ "kind": "file", "name": "\#(name)", "path": "/srv/\#(name)", "content": "\#(content)"\#(deps)\#(extra) }"#
}

let testForm = RecordForm(hasher: HMACSHA256(key: Array("runtime-tests".utf8)))
