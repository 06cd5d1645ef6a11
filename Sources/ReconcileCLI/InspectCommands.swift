import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile show KIND/NAME`: one resource as the manifests declare it, as the host has it now, as it was last
/// applied, what a plan would do with it, and its recent history. Secrets and content are shown as such, never in clear.
struct ShowCommand {
  let args: Arguments
  let terminal: Terminal

  func run() async throws -> Int32 {
    guard let given = args.positionals.first, let id = ResourceID(parsing: given) else {
      throw OperationError("usage: reconcile show KIND/NAME (like container/web)")
    }
    let (ws, look) = try await Workspace.look(args)
    let (manifest, form, observed) = (look.manifest, look.form, look.observed)
    let resource = manifest[id]
    let record = look.state.resources[id]
    guard resource != nil || record != nil else {
      throw OperationError("\(id) is neither declared in the manifests at '\(ws.manifestPath)' nor recorded in the state")
    }
    let step = look.plan.steps.first { $0.id == id }
    let runs = ws.store.history().compactMap { entry in entry.steps.first { $0.address == id.description }.map { (entry, $0) } }.suffix(5)
    let s = terminal.style
    var out = [s.bold(id.description)]
    if let resource {
      out.append("  declared in \(resource.origin.file) (\(resource.origin.path))" + (id.module.map { ", for module instance '\($0)'" } ?? ""))
      if !resource.dependsOn.isEmpty { out.append("  depends on " + resource.dependsOn.map(\.description).joined(separator: ", ")) }
    } else {
      out.append("  no longer declared: recorded in the state only")
    }
    let dependents = manifest.resources.filter { $0.dependsOn.contains(id) }.map(\.id.description)
    if !dependents.isEmpty { out.append("  needed by " + dependents.joined(separator: ", ")) }

    let o = observed[id]
    let attributes = resource?.spec.attributes ?? []
    out += ["", "Desired:"] + (attributes.isEmpty ? ["  (no attributes)"] : attributes.map { "  \($0.name) = \(Self.shown($0.value, $0, form: form))" })
    out += ["", "Observed: " + (o.exists ? "present" : "absent")]
    for a in attributes {
      guard let value = o.attributes[a.name] else { continue }
      let same = form.value(value, of: a) == form.value(a.value, of: a)
      out.append("  \(a.name) = \(Self.shown(value, a, form: form))" + (same ? "" : s.yellow("  (differs)")))
    }
    let facts = o.facts.filter { $0.key != .conflict }.sorted { $0.key.rawValue < $1.key.rawValue }
    if !facts.isEmpty { out.append("  " + facts.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: ", ")) }

    let f = ISO8601DateFormatter()
    if let record {
      let current = resource.map { form.fingerprint(of: $0.spec) == record.fingerprint } ?? false
      out += ["", "Last applied: \(f.string(from: record.appliedAt))" + (current ? " (the manifests still ask for the same)" : " (the manifests changed since)")]
    } else {
      out += ["", "Last applied: never"]
    }
    out += ["", "Plan:" + (step == nil ? " " + s.green("in sync, nothing to do") : "")]
    if let step { out += PlanTextRenderer(style: s).block(step).filter { !$0.isEmpty } }
    out += ["", "History" + (runs.isEmpty ? ": none" : " (last \(runs.count)):")]
    for (entry, line) in runs {
      out.append("  \(f.string(from: entry.time)) \(entry.command): \(line.action) \(line.outcome) in \(String(format: "%.2fs", line.seconds))")
      if let error = line.error { out.append("      " + s.red(error)) }
      for note in line.notes ?? [] { out.append("      " + note) }
    }
    terminal.out(ws.secrets.redactor.redact(out.joined(separator: "\n")) + "\n")
    return ExitCode.ok
  }

  /// A value as people may see it: inline as is, content by its size and digest, a secret not at all.
  static func shown(_ value: String, _ a: Attribute, form: RecordForm) -> String {
    if a.isSensitive { return "(sensitive)" }
    if a.style == .content { return "(\(value.utf8.count) bytes, \(form.value(value, of: a).prefix(19))…)" }
    return "\"\(value)\""
  }
}

/// `reconcile graph`: the managed resources and what depends on what, in Graphviz's DOT (`--format svg` through `dot`
/// when Graphviz is installed), each resource coloured by whether the host matches the manifests.
struct GraphCommand {
  let args: Arguments
  let terminal: Terminal

  func run() async throws -> Int32 {
    let format = args.value("format") ?? "dot"
    guard ["dot", "svg"].contains(format) else { throw OperationError("--format takes dot or svg, got '\(format)'") }
    let (_, look) = try await Workspace.look(args)
    let dot = Self.dot(manifest: look.manifest, plan: look.plan)
    guard format == "svg" else {
      terminal.out(dot)
      return ExitCode.ok
    }
    let base = NSTemporaryDirectory() + "reconcile-graph-\(getpid())"
    defer {
      unlink(base + ".dot")
      unlink(base + ".svg")
    }
    try dot.write(toFile: base + ".dot", atomically: false, encoding: .utf8)
    guard let r = try? ProcessRunner.run(["dot", "-Tsvg", base + ".dot"], standardOutputTo: base + ".svg"), r.status == 0,
      let svg = try? String(contentsOfFile: base + ".svg", encoding: .utf8)
    else {
      throw OperationError("--format svg needs Graphviz's 'dot' (Debian: apt-get install graphviz); the DOT text is what 'reconcile graph' prints")
    }
    terminal.out(svg)
    return ExitCode.ok
  }

  /// Nodes by kind, an edge from each resource to what it depends on; green in sync, amber to change, red to
  /// create, replace or destroy, with the plan's reason as the tooltip; each module instance's resources in a box of
  /// their own (a cluster labelled `module.NAME`). Pure.
  static func dot(manifest: Manifest, plan: Plan) -> String {
    func escaped(_ s: String) -> String { s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") }
    func quoted(_ s: String) -> String { "\"" + escaped(s) + "\"" }
    let steps = Dictionary(plan.steps.map { ($0.id, $0) }) { a, _ in a }
    var lines = [
      "digraph reconcile {", "  rankdir=LR;", "  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\", fontsize=11];",
      "  edge [color=\"#607d8b\"];",
    ]
    let ids = (manifest.resources.map(\.id) + plan.steps.map(\.id)).reduce(into: [ResourceID]()) { if !$0.contains($1) { $0.append($1) } }
    var cluster: String?
    // Sorted, the top-level resources come first, then each instance's together.
    for id in ids.sorted() {
      if id.module != cluster {
        if cluster != nil { lines.append("  }") }
        cluster = id.module
        if let m = cluster { lines += ["  subgraph \(quoted("cluster_module_" + m)) {", "    label=\(quoted("module." + m));"] }
      }
      let step = steps[id]
      let (colour, label) =
        switch step?.action {
        case nil: ("#c8e6c9", "in sync")
        case .update?: ("#ffe0b2", "to change")
        case let a?: ("#ffcdd2", "to \(a.rawValue)")
        }
      let tip = step.map { $0.reasons.joined(separator: "; ") } ?? "in sync"
      let text = "\"" + escaped(id.description) + "\\n" + label + "\""
      lines.append((cluster == nil ? "  " : "    ") + "\(quoted(id.description)) [fillcolor=\(quoted(colour)), tooltip=\(quoted(tip)), label=\(text)];")
    }
    if cluster != nil { lines.append("  }") }
    for r in manifest.resources.sorted(by: { $0.id < $1.id }) {
      for dep in r.dependsOn { lines.append("  \(quoted(r.id.description)) -> \(quoted(dep.description));") }
    }
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
  }
}
