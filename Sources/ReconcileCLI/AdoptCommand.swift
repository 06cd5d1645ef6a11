import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile import RESOURCE… [--allow-differences]`: takes over existing containers, networks and volumes that the
/// manifests declare, without recreating them: each object is held against its manifest, and when all of them match
/// (or `--allow-differences`), the state records them as adopted (`Adoption`). All or nothing: one object missing,
/// already managed or different (without the flag) and nothing is recorded.
struct AdoptCommand {
  let args: Arguments
  let terminal: Terminal

  func run() async throws -> Int32 {
    let ws = try Workspace(args)
    let manifest = try ws.manifest()
    let out = ws.redacting(terminal)
    let form = try ws.form()
    let lease = try ws.store.lock(for: "import", timeout: try args.seconds("lock-timeout", default: 0))
    defer { lease.release() }
    var state = try ws.store.load()
    _ = ws.store.recover(into: &state)
    // The project an adopted object is recorded under is the one later observations look for.
    if state.lineage.isEmpty { state.lineage = UUID().uuidString.lowercased() }
    let project = Project.resolve(declared: manifest.project, lineage: state.lineage)
    let ids = try args.positionals.map { text in
      guard let id = ResourceID(parsing: text) else { throw OperationError("expected KIND/NAME, got '\(text)'") }
      guard manifest.contains(id) else {
        throw OperationError("\(id) is not in the manifests: declare it first\(Suggestion.hint(for: text, in: manifest.resources.map(\.id.description)))")
      }
      if let record = state.resources[id] {
        throw OperationError("\(id) is already \(record.adopted == nil ? "managed" : "imported") (it is in the state); nothing was imported")
      }
      return id
    }
    guard !ids.isEmpty else { throw OperationError("usage: reconcile import KIND/NAME… [--allow-differences]") }
    var checks: [AdoptionCheck] = []
    for id in ids {
      do {
        checks.append(try await ws.drivers.adoptionCheck(manifest[id]!.spec, project: project))
      } catch let e as OperationError {
        throw OperationError("\(id): \(e); nothing was imported")
      }
    }
    for c in checks { for line in AdoptionReport.lines(c) { out.out(line + "\n") } }
    let differing = checks.filter { !$0.differences.isEmpty }
    if !differing.isEmpty, !args.has("allow-differences") {
      out.out(
        "\nNothing was imported: \(differing.count) of \(checks.count) differ\(differing.count == 1 ? "s" : "") from the manifests. Change the manifests to match, "
          + "or import anyway with --allow-differences: the next apply then changes or replaces what differs.\n")
      return ExitCode.failure
    }
    let now = Date()
    for c in checks {
      var record = form.record(for: manifest[c.id]!, at: now)
      // A file or a unit is found where it is: only a Docker object needs its identity and labels kept.
      record.adopted = c.adoption.labels.isEmpty ? nil : c.adoption
      state.resources[c.id] = record
    }
    _ = try ws.store.save(state)
    out.out(
      "\nImported \(checks.count == 1 ? "1 resource as it is" : "\(checks.count) resources as they are"); nothing was restarted or recreated."
        + (differing.isEmpty ? "" : " The next apply changes or replaces the \(differing.count) that differ\(differing.count == 1 ? "s" : "").")
        + "\nNext: reconcile plan\n")
    return ExitCode.ok
  }
}
