import Foundation
@testable import ReconcileCore
import Essentials

/// Templates held in memory, for pure tests.
struct MemoryTemplates: TemplateSource {
  var files: [String: String] = [:]
  func load(_ name: String) -> (text: String, file: String)? { files[name].map { ($0, "templates/\(name)") } }
}

/// Decodes manifest files given as (name, JSON text).
func decode(_ files: [(String, String)], secrets: [String: String] = [:], templates: [String: String] = [:]) throws(ManifestErrors) -> Manifest {
  let decoder = ManifestDecoder(registry: .builtIn, secrets: FixedSecrets(secrets), context: DecodeContext(templates: MemoryTemplates(files: templates)))
  return try decoder.decode(files.map { ManifestSource(file: $0.0, data: Data($0.1.utf8)) })
}

func decode(_ json: String, secrets: [String: String] = [:], templates: [String: String] = [:]) throws(ManifestErrors) -> Manifest {
  try decode([("m.json", json)], secrets: secrets, templates: templates)
}

/// The issues a manifest produces, as text.
func issues(_ json: String, secrets: [String: String] = [:]) -> [String] {
  do {
    _ = try decode(json, secrets: secrets)
    return []
  } catch {
    return error.issues.map(\.description)
  }
}

let testForm = RecordForm(hasher: HMACSHA256(key: Array("test-key".utf8)))
let epoch = Date(timeIntervalSince1970: 1_800_000_000)

func plan(_ m: Manifest, observed: [String: Observation] = [:], state: StateSnapshot = StateSnapshot(lineage: "l"), options: PlanOptions = .init()) -> Plan {
  var objects: [ResourceID: Observation] = [:]
  for (k, v) in observed { objects[ResourceID(parsing: k)!] = v }
  return Planner(registry: .builtIn, form: testForm).plan(m, observed: ObservedState(objects), state: state, options: options, now: epoch)
}

/// The state after applying `m` successfully.
func applied(_ m: Manifest) -> StateSnapshot {
  var s = StateSnapshot(lineage: "l", serial: 1)
  for r in m.resources { s.resources[r.id] = testForm.record(for: r, at: epoch) }
  return s
}

func file(_ content: String?, mode: String = "0644", owner: String = "root", group: String = "root") -> Observation {
  var a = ["mode": mode, "owner": owner, "group": group]
  a["content"] = content
  return Observation(exists: true, attributes: a, facts: [.type: "file"])
}
