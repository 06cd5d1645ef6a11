import Foundation

/// Renders a drift report as text, markdown or JSON.
public struct DriftRenderer: Sendable {
  public var style: Style

  public init(style: Style = .plain) { self.style = style }

  public func text(_ r: DriftReport) -> String {
    guard r.hasDrift else { return style.green("No drift.") + " \(r.inSync) resources match the manifests and the last apply.\n" }
    var out = ["Drift found in \(r.entries.count) resource\(r.entries.count == 1 ? "" : "s") (\(r.inSync) in sync):", ""]
    for e in r.entries {
      let status = e.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
      out.append("  " + style.yellow(status) + " \(e.id): \(e.detail)")
      let plain = PlanTextRenderer(style: style)
      let width = e.changes.map(\.field.count).max() ?? 0
      for c in e.changes { out += plain.field(c, width: width, action: .update) }
    }
    out.append("")
    out.append("Run 'reconcile apply' to restore what the manifests declare.")
    return out.joined(separator: "\n") + "\n"
  }

  public func markdown(_ r: DriftReport) -> String {
    var out = ["# Drift report", "", "Time: \(ISO8601DateFormatter().string(from: r.time))", ""]
    guard r.hasDrift else { return (out + ["No drift: \(r.inSync) resources in sync."]).joined(separator: "\n") + "\n" }
    out += ["| resource | status | detail |", "|---|---|---|"]
    for e in r.entries { out.append("| `\(e.id)` | \(e.status.rawValue) | \(e.detail.replacingOccurrences(of: "|", with: "\\|")) |") }
    for e in r.entries where !e.changes.isEmpty {
      out += ["", "## `\(e.id)`", "", "```diff"]
      let plain = PlanTextRenderer(style: .plain)
      for c in e.changes { out += plain.field(c, width: c.field.count, action: .update).map { String($0.drop(while: { $0 == " " })) } }
      out.append("```")
    }
    return out.joined(separator: "\n") + "\n"
  }

  public struct Document: Encodable {
    struct Entry: Encodable {
      var address: String
      var status: String
      var detail: String
      var changes: [PlanDocument.Change]
    }
    var formatVersion = "1"
    var time: Date
    var drift: Bool
    var inSync: Int
    var resources: [Entry]
  }

  public func json(_ r: DriftReport) -> Data {
    let doc = Document(
      time: r.time, drift: r.hasDrift, inSync: r.inSync,
      resources: r.entries.map { e in
        Document.Entry(
          address: e.id.description, status: e.status.rawValue, detail: e.detail,
          changes: e.changes.map { c in
            PlanDocument.Change(field: c.field, before: PlanDocument.text(c.before), after: PlanDocument.text(c.after), sensitive: c.before == .sensitive || c.after == .sensitive)
          })
      })
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    enc.dateEncodingStrategy = .iso8601
    return (try? enc.encode(doc)) ?? Data()
  }
}
