import Foundation
import HostSystems
import ReconcileCore
import ReconcileDrivers

/// `reconcile fmt [--check]`: rewrites the manifest files in the canonical layout (`ManifestFormatter`); `--check`
/// changes nothing and exits 1 when a file is not formatted (for CI). A file that is not JSON is reported with its
/// line and column and left as it is.
struct FormatCommand {
  let args: Arguments
  let terminal: Terminal

  func run() throws -> Int32 {
    let path = args.value("manifests") ?? "manifests"
    let check = args.has("check")
    var changed: [String] = []
    var broken: [String] = []
    let sources = try ManifestFiles.read(path, modules: true)
    for source in sources {
      let formatted: String
      do {
        formatted = try ManifestFormatter.format(Array(source.data))
      } catch {
        broken.append("\(source.file): \(error)")
        continue
      }
      guard Array(formatted.utf8) != Array(source.data) else { continue }
      changed.append(source.file)
      if !check {
        var st = stat()
        let mode = stat(source.file, &st) == 0 ? st.st_mode & 0o7777 : 0o644
        do {
          try AtomicWrite.write(Array(formatted.utf8), to: source.file, AtomicWrite.Options(mode: mode))
        } catch {
          throw OperationError(doing: "write '\(source.file)'", "\(error)")
        }
      }
    }
    for file in changed { terminal.out("\(check ? "not formatted" : "formatted"): \(file)\n") }
    for b in broken { terminal.error(b) }
    if changed.isEmpty, broken.isEmpty {
      terminal.out("The manifests are formatted (\(sources.count) file\(sources.count == 1 ? "" : "s")).\n")
    }
    return broken.isEmpty && (!check || changed.isEmpty) ? ExitCode.ok : ExitCode.failure
  }
}
