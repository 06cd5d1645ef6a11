import Essentials
import Foundation
import HostSystems
import ReconcileCore
import ReconcileDrivers

/// `reconcile import compose FILE [--out DIR] [--project NAME] [--adopt]`: writes a manifest for a docker compose
/// project (`ComposeImport`) and lists what it could not translate and the secrets to provide; with `--adopt`, names
/// the objects as compose made them, so `reconcile import RESOURCE…` (`AdoptCommand`) can take them over. Never
/// overwrites a file.
struct ImportCommand {
  let args: Arguments
  let terminal: Terminal

  func run() async throws -> Int32 {
    guard args.positionals.first == "compose" else { return try await AdoptCommand(args: args, terminal: terminal).run() }
    guard args.positionals.count == 2 else {
      throw OperationError("usage: reconcile import compose FILE [--out DIR] [--project NAME] [--adopt]")
    }
    let file = args.positionals[1]
    guard let data = FileManager.default.contents(atPath: file) else { throw OperationError(doing: "read '\(file)'", "no such file, or not readable") }
    let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
    let directory = PathText.lexical(PathText.parent(absolute))
    let text = String(decoding: data, as: UTF8.self)
    let named = (try? YAMLSubset.parse(text))?["name"]?.text
    let project = args.value("project") ?? named ?? (directory as NSString).lastPathComponent
    var running: ComposeImport.RunningProject?
    if args.has("adopt") {
      // Compose's project name: lower case, only letters, digits, '-' and '_'.
      let composeName = String(project.lowercased().filter { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" })
      let found = try await DockerDriver(environment: ProcessInfo.processInfo.environment).composeProject(composeName)
      guard !found.containers.isEmpty else {
        throw OperationError(
          doing: "adopt compose project '\(composeName)'",
          "no container of it runs on this Docker Engine (DOCKER_HOST); start it with docker compose up, or name the project with --project (nothing was written)")
      }
      running = found
    }
    var importer = ComposeImport(project: project, directory: directory, running: running) { path in
      FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
    let result = try importer.translate(text)
    let out = args.value("out") ?? "manifests"
    let target = "\(out)/\(importer.projectName).json"
    guard !FileManager.default.fileExists(atPath: target) else {
      throw OperationError(doing: "write '\(target)'", "it exists; give another --out or --project (nothing was written)")
    }
    do {
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
      try AtomicWrite.write(Array(result.manifest.utf8), to: target, AtomicWrite.Options(mode: 0o644))
    } catch {
      throw OperationError(doing: "write '\(target)'", "\(error)")
    }
    let services = (try? YAMLSubset.parse(text))?["services"]
    let count = if case .mapping(let s)? = services { s.count } else { 0 }
    terminal.out("Wrote \(target): \(count) service\(count == 1 ? "" : "s") of project '\(importer.projectName)'.\n")
    if !result.secrets.isEmpty {
      terminal.out("Secrets it needs (in \(out)/.env as NAME=value, or \(out)/secrets/NAME): \(result.secrets.joined(separator: ", "))\n")
    }
    if result.untranslated.isEmpty {
      terminal.out("Everything was translated.\n")
    } else {
      terminal.out("Not translated (\(result.untranslated.count)):\n")
      for line in result.untranslated { terminal.out("  \(line)\n") }
    }
    if !result.adoptable.isEmpty {
      terminal.out(
        "The manifest names compose's running objects as they are. Take them over without restarting them:\n  reconcile import \(result.adoptable.joined(separator: " ")) --manifests \(out)\n"
      )
    }
    terminal.out("Next: reconcile plan --manifests \(out)\n")
    return ExitCode.ok
  }
}
