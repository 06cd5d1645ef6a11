import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile drift`: what changed on the host since the last apply, what is missing, what is unmanaged.
/// Exits 2 when anything is out of sync; every report is kept under `state/drift/`.
struct DriftCommand {
  let args: Arguments
  let terminal: Terminal

  func run() async throws -> Int32 {
    let (ws, look) = try await Workspace.look(args)
    let report = DriftAnalyzer(form: look.form).analyze(look.manifest, observed: look.observed, state: look.state, plan: look.plan, now: Date())
    let out = ws.redacting(terminal)
    let renderer = DriftRenderer(style: terminal.style)
    let json = renderer.json(report)
    let kept = try ws.store.saveDriftReport(Data(out.redactor.redact(String(decoding: json, as: UTF8.self)).utf8), time: report.time, ext: "json")
    switch args.value("format") ?? (args.has("json") ? "json" : "text") {
    case "json": out.out(String(decoding: json, as: UTF8.self) + "\n")
    case "markdown": out.out(DriftRenderer(style: .plain).markdown(report))
    case "text": out.out(renderer.text(report) + terminal.style.dim("Report kept in \(kept)") + "\n")
    case let other: throw OperationError("--format: expected 'text', 'json' or 'markdown', got '\(other)'")
    }
    return report.hasDrift ? ExitCode.changes : ExitCode.ok
  }
}
