import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile schema`: prints the manifests' JSON Schema (draft 2020-12), built from the kinds this binary knows, for
/// editors: `reconcile schema > reconcile.schema.json`, then `"$schema": "./reconcile.schema.json"` in a manifest.
struct SchemaCommand {
  let args: Arguments
  let terminal: Terminal

  func run() throws -> Int32 {
    terminal.out(ManifestSchema.text(.builtIn, templates: TemplateDirectories(args.values("templates"))))
    return ExitCode.ok
  }
}
