import Foundation
import ReconcileCore

/// Exit codes: 0 success or no changes, 1 error (including an invalid manifest), 2 changes present / drift found.
enum ExitCode {
  static let ok: Int32 = 0
  static let failure: Int32 = 1
  static let changes: Int32 = 2
}

/// `reconcile COMMAND [options]`: dispatches to a command and turns every error into a message and an exit code.
public enum ReconcileCommand {
  public static func main(_ argv: [String]) async -> Int32 {
    let command = argv.first ?? "help"
    let rest = Array(argv.dropFirst())
    let probe = Terminal(noColor: rest.contains("--no-color"))
    if ["help", "--help", "-h"].contains(command) {
      probe.out(HelpText.text(for: rest.first ?? ""))
      return ExitCode.ok
    }
    if ["version", "--version"].contains(command) {
      probe.out("reconcile \(HelpText.version)\n")
      return ExitCode.ok
    }
    guard let spec = HelpText.specs[command] else {
      probe.error("unknown command '\(command)'\(Suggestion.hint(for: command, in: HelpText.specs.keys)); see 'reconcile --help'")
      return ExitCode.failure
    }
    if rest.contains("--help") || rest.contains("-h") {
      probe.out(HelpText.text(for: command))
      return ExitCode.ok
    }
    do {
      let args = try Arguments(rest, spec: spec, command: command)
      let terminal = Terminal(noColor: args.has("no-color"))
      switch command {
      case "validate": return try ValidateCommand(args: args, terminal: terminal).run()
      case "plan": return try await PlanCommand(args: args, terminal: terminal).run()
      case "apply": return try await ApplyCommand(args: args, terminal: terminal).run()
      case "generations": return try GenerationsCommand(args: args, terminal: terminal).run()
      case "rollback": return try await RollbackCommand(args: args, terminal: terminal).run()
      case "logs": return try await DayTwoCommand(args: args, terminal: terminal, restart: false).run()
      case "restart": return try await DayTwoCommand(args: args, terminal: terminal, restart: true).run()
      case "promote": return try RolloutDecisionCommand(args: args, terminal: terminal, decision: .promote).run()
      case "abort": return try RolloutDecisionCommand(args: args, terminal: terminal, decision: .abort).run()
      case "drift": return try await DriftCommand(args: args, terminal: terminal).run()
      case "status": return try await StatusCommand(args: args, terminal: terminal).run()
      case "show": return try await ShowCommand(args: args, terminal: terminal).run()
      case "graph": return try await GraphCommand(args: args, terminal: terminal).run()
      case "destroy": return try await DestroyCommand(args: args, terminal: terminal).run()
      case "fmt": return try FormatCommand(args: args, terminal: terminal).run()
      case "schema": return try SchemaCommand(args: args, terminal: terminal).run()
      case "import": return try await ImportCommand(args: args, terminal: terminal).run()
      case "run-job": return try RunJobCommand(args: args, terminal: terminal).run()
      case "backup": return try BackupCommand(args: args, terminal: terminal).run()
      case "alert": return try await AlertCommand(args: args, terminal: terminal).run()
      case "controller": return try await ControllerCommand(args: args, terminal: terminal).run()
      default: return ExitCode.failure
      }
    } catch let e as ManifestErrors {
      probe.error(e.description)
      return ExitCode.failure
    } catch {
      probe.error("\(error)")
      return ExitCode.failure
    }
  }
}

struct ValidateCommand {
  let args: Arguments
  let terminal: Terminal

  func run() throws -> Int32 {
    let ws = try Workspace(args)
    if args.has("json") {
      // `{"valid":true,"resources":N,"files":N}` or `{"valid":false,"errors":[{"file","subject","path","message","text"}]}`.
      let doc: [String: Any]
      var exit = ExitCode.ok
      do {
        let m = try ws.manifest()
        doc = ["valid": true, "resources": m.resources.count, "files": m.files.count]
      } catch let e as ManifestErrors {
        exit = ExitCode.failure
        doc = [
          "valid": false,
          "errors": e.issues.map { ["file": $0.file, "subject": $0.subject, "path": $0.path, "message": $0.message, "text": $0.description] },
        ]
      }
      let data = try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
      terminal.out(String(decoding: data, as: UTF8.self) + "\n")
      return exit
    }
    let m = try ws.manifest()
    let files = m.files.count == 1 ? "1 file" : "\(m.files.count) files"
    terminal.out("The manifests are valid: \(m.resources.count) resources in \(files).\n")
    return ExitCode.ok
  }
}
