import Essentials

/// Renders a plan as stable text: one block per step with its reasons and field changes, then the summary.
public struct PlanTextRenderer: Sendable {
  public var style: Style
  /// Diff lines shown per content change before the rest is elided with a count.
  public var maxDiffLines: Int

  public init(style: Style = .plain, maxDiffLines: Int = 40) {
    self.style = style
    self.maxDiffLines = maxDiffLines
  }

  public func render(_ plan: Plan) -> String {
    var out: [String] = []
    if plan.isEmpty {
      out.append(style.green("No changes.") + " The host matches the manifests.")
    } else {
      out.append("reconcile will perform these actions:")
      out.append("")
      for step in plan.steps { out += block(step) }
    }
    for move in plan.moves { out.append("  " + style.dim("# \(move.text)")) }
    for note in plan.kept { out.append("  " + style.dim("# \(note.id) is kept: \(note.text)")) }
    if !plan.forgotten.isEmpty {
      out.append("  " + style.dim("# already gone from the host, dropped from the state: " + plan.forgotten.map(\.description).joined(separator: ", ")))
    }
    if !plan.isEmpty {
      if out.last != "" { out.append("") }
      out.append(style.bold(plan.summary))
      for line in plan.moduleSummaries { out.append("  " + line) }
    }
    return out.joined(separator: "\n") + "\n"
  }

  public func block(_ step: Step) -> [String] {
    var out = ["  " + style.action(step.action, "\(step.action.symbol) \(step.id)") + " (\(step.reasons.joined(separator: "; ")))"]
    let width = step.changes.map(\.field.count).max() ?? 0
    for c in step.changes {
      out += field(c, width: width, action: step.action)
    }
    for r in step.refreshes { out.append("      then " + style.yellow("refresh \(r.id)") + ": \(r.action)") }
    out.append("")
    return out
  }

  func field(_ c: FieldChange, width: Int, action: Action) -> [String] {
    let pad = "      " + c.field + String(repeating: " ", count: width - c.field.count)
    switch (c.before, c.after) {
    case (.content(let old)?, .content(let new)?):
      guard let diff = LineDiff.unified(from: old, to: new) else {
        return [pad + ": " + summary(old, digest: true) + " -> " + summary(new, digest: true) + " (too different to show line by line)"]
      }
      return [pad + ":"] + elided(diff)
    case (nil, .content(let new)?):
      return [pad + ": " + summary(new)] + elided(LineDiff.unified(from: "", to: new) ?? [])
    case (let before?, let after?):
      return [pad + " = " + show(before) + " -> " + show(after)]
    case (nil, let after?):
      return [pad + " = " + show(after)]
    case (let before?, nil):
      return [pad + " = " + show(before) + " -> (removed)"]
    case (nil, nil):
      return []
    }
  }

  func elided(_ lines: [String]) -> [String] {
    let shown = lines.prefix(maxDiffLines).map { line -> String in
      let text = "          " + line
      if line.hasPrefix("+") { return style.green(text) }
      if line.hasPrefix("-") { return style.red(text) }
      return text
    }
    guard lines.count > maxDiffLines else { return shown }
    return shown + ["          … \(lines.count - maxDiffLines) more lines of diff"]
  }

  func summary(_ content: String, digest: Bool = false) -> String {
    let lines = content.split(separator: "\n", omittingEmptySubsequences: false).count - (content.hasSuffix("\n") ? 1 : 0)
    let hash = digest ? ", sha256:" + SHA256.hash(content).hex.prefix(12) : ""
    return "\(content.utf8.count) bytes, \(lines) line\(lines == 1 ? "" : "s")\(hash)"
  }

  func show(_ v: Shown) -> String {
    switch v {
    case .value(let s): "\"\(s)\""
    case .content(let s): summary(s)
    case .sensitive: "(sensitive value)"
    }
  }
}
