import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile plan`: observe, plan, show. Changes nothing on the host (a saved plan file is written with `--out`).
struct PlanCommand {
  let args: Arguments
  let terminal: Terminal

  func run() async throws -> Int32 {
    let (ws, look) = try await Workspace.look(args)
    let plan = look.plan
    let out = ws.redacting(terminal)
    let doc = PlanDocument(plan, manifestDigest: look.manifest.digest, state: look.state)
    if let file = args.value("out") {
      let saved = SavedPlan(document: doc, manifests: ws.manifestPath, pruneVolumes: args.has("prune-volumes"), targets: args.values("target"), excludes: args.values("exclude"))
      try saved.write(to: file)
    }
    if args.has("json") {
      out.out(String(decoding: doc.encoded(), as: UTF8.self) + "\n")
    } else {
      out.out(PlanTextRenderer(style: terminal.style).render(plan) + ObservationNotes.text(look.observed))
      if let file = args.value("out") { out.out("\nSaved the plan to \(file). Apply exactly this plan with: reconcile apply \(file)\n") }
    }
    if args.has("detailed-exitcode"), !plan.isEmpty { return ExitCode.changes }
    return ExitCode.ok
  }
}

/// A plan saved by `plan --out`: the JSON plan plus what is needed to re-derive it. Never holds a secret.
struct SavedPlan: Codable {
  var document: PlanDocument
  var manifests: String
  var pruneVolumes: Bool
  var targets: [String]
  var excludes: [String]

  func write(to path: String) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    guard FileManager.default.createFile(atPath: path, contents: try e.encode(self), attributes: [.posixPermissions: 0o600]) else {
      throw OperationError(doing: "write the plan to '\(path)'")
    }
  }

  static func read(_ path: String) throws -> SavedPlan {
    guard let data = FileManager.default.contents(atPath: path) else { throw OperationError(doing: "read the saved plan '\(path)'") }
    do {
      let p = try JSONDecoder().decode(SavedPlan.self, from: data)
      guard p.document.formatVersion == PlanDocument.currentFormat else {
        throw OperationError("format version '\(p.document.formatVersion)' is not supported")
      }
      return p
    } catch let e as OperationError {
      throw OperationError("the saved plan '\(path)' cannot be used: \(e)")
    } catch {
      throw OperationError("the saved plan '\(path)' is not a reconcile plan file: \(error.localizedDescription)")
    }
  }
}
