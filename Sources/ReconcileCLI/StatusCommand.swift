import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile status`: what is managed, when and from which revision it was last applied, and whether it is in sync;
/// with services, the Swarm's nodes; `--json` for scripts, `--detailed-exitcode` exits 2 when something is not in sync.
struct StatusCommand {
  let args: Arguments
  let terminal: Terminal

  func run() async throws -> Int32 {
    let ws = try Workspace(args)
    let form = try ws.form(readOnly: true)
    var state = try ws.store.load()
    _ = ws.store.recover(into: &state)
    let s = terminal.style
    var lines = ["State: \(ws.store.directory)/state.json (serial \(state.serial), lineage \(state.lineage.isEmpty ? "none yet" : String(state.lineage.prefix(8))))"]
    if let last = state.lastApply {
      let rev = last.revision.map { "git \($0.prefix(12))" } ?? "no git revision"
      lines.append("Last apply: \(ISO8601DateFormatter().string(from: last.time)), \(last.outcome), from \(rev), manifests \(last.manifestDigest.prefix(12))")
    } else {
      lines.append("Last apply: never")
    }
    var sync: [ResourceID: DriftEntry] = [:]
    var ids = Set(state.resources.keys)
    var notes = ""
    var invalid: ManifestErrors?
    var nodes: [SwarmNode]?
    do {
      let manifest = try ws.manifest()
      // With services (or node labels) declared, the cluster's nodes are part of the picture.
      if manifest.resources.contains(where: { $0.id.kind == "service" || $0.id.kind == "node" }) {
        nodes = await SwarmNode.list(environment: ProcessInfo.processInfo.environment)
      }
      let (plan, observed) = try await ws.plan(manifest, state: state, form: form, args: args)
      let report = DriftAnalyzer(form: form).analyze(manifest, observed: observed, state: state, plan: plan, now: Date())
      for e in report.entries { sync[e.id] = e }
      notes = ObservationNotes.text(observed)
      ids.formUnion(manifest.resources.map(\.id))
    } catch let e as ManifestErrors {
      invalid = e
      lines.append(s.red("The manifests are invalid") + " (\(e.issues.count) error\(e.issues.count == 1 ? "" : "s")); run 'reconcile validate'. Sync state unknown.")
    }
    let outOfSync = invalid != nil || !sync.isEmpty
    let exit = invalid != nil ? ExitCode.failure : args.has("detailed-exitcode") && outOfSync ? ExitCode.changes : ExitCode.ok
    if args.has("json") {
      terminal.out(statusJSON(state, ids: ids, sync: sync, invalid: invalid, nodes: nodes, statePath: "\(ws.store.directory)/state.json") + "\n")
      return exit
    }
    lines.append("")
    let width = max(20, (ids.map(\.description.count).max() ?? 0) + 2)
    lines.append("RESOURCE".padding(toLength: width, withPad: " ", startingAt: 0) + "APPLIED".padding(toLength: 22, withPad: " ", startingAt: 0) + "SYNC")
    let f = ISO8601DateFormatter()
    for id in ids.sorted() {
      let applied = state.resources[id].map { f.string(from: $0.appliedAt) } ?? "-"
      let status = sync[id].map { "\($0.status.rawValue): \($0.detail)" } ?? "in sync"
      let shown = status == "in sync" ? s.green(status) : s.yellow(status)
      lines.append(id.description.padding(toLength: width, withPad: " ", startingAt: 0) + applied.padding(toLength: 22, withPad: " ", startingAt: 0) + shown)
    }
    if let nodes { lines += [""] + nodeLines(nodes) }
    terminal.out(lines.joined(separator: "\n") + "\n" + notes)
    return exit
  }

  /// The Swarm's nodes: a node that is not ready, or not active, stands out.
  func nodeLines(_ nodes: [SwarmNode]) -> [String] {
    let s = terminal.style
    let width = max(8, (nodes.map(\.name.count).max() ?? 0) + 2)
    var out = ["NODE".padding(toLength: width, withPad: " ", startingAt: 0) + "ROLE     STATE   AVAILABILITY  ADDRESS          TASKS  LABELS"]
    for n in nodes {
      let role = n.role + (n.isLeader ? "*" : "")
      let state = n.state.padding(toLength: 8, withPad: " ", startingAt: 0)
      let availability = n.availability.padding(toLength: 14, withPad: " ", startingAt: 0)
      out.append(
        n.name.padding(toLength: width, withPad: " ", startingAt: 0) + role.padding(toLength: 9, withPad: " ", startingAt: 0)
          + (n.state == "ready" ? state : s.red(state)) + (n.availability == "active" ? availability : s.yellow(availability))
          + n.address.padding(toLength: 17, withPad: " ", startingAt: 0) + String(n.tasks).padding(toLength: 7, withPad: " ", startingAt: 0)
          + n.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
    }
    let down = nodes.filter { $0.state != "ready" }.map(\.name)
    if !down.isEmpty { out.append(s.red("Down: \(down.joined(separator: ", "))") + " (Swarm runs their tasks on the other nodes where it can)") }
    return out
  }

  /// `{"state":…,"serial":…,"lastApply":{…}|null,"inSync":bool,"manifestErrors":[…],"resources":[{"address","applied",
  /// "sync","detail"}]}`, `sync` being `in-sync` or the drift status (`changed`, `missing`, `unmanaged`, `pending`, …).
  func statusJSON(_ state: StateSnapshot, ids: Set<ResourceID>, sync: [ResourceID: DriftEntry], invalid: ManifestErrors?, nodes: [SwarmNode]?, statePath: String) -> String {
    let f = ISO8601DateFormatter()
    var doc: [String: Any] = [
      "state": statePath, "serial": state.serial, "inSync": invalid == nil && sync.isEmpty,
      "manifestErrors": (invalid?.issues ?? []).map(\.description),
      "resources": ids.sorted().map { id -> [String: Any] in
        [
          "address": id.description, "applied": state.resources[id].map { f.string(from: $0.appliedAt) } ?? NSNull(),
          "sync": sync[id]?.status.rawValue ?? "in-sync", "detail": sync[id]?.detail ?? "",
        ]
      },
    ]
    if let nodes {
      doc["nodes"] = nodes.map { n -> [String: Any] in
        [
          "name": n.name, "role": n.role, "leader": n.isLeader, "state": n.state, "availability": n.availability, "address": n.address, "tasks": n.tasks,
          "labels": n.labels,
        ]
      }
    }
    doc["lastApply"] =
      state.lastApply.map { last -> [String: Any] in
        ["time": f.string(from: last.time), "outcome": "\(last.outcome)", "revision": last.revision ?? NSNull(), "manifestDigest": last.manifestDigest]
      } ?? NSNull()
    let data = (try? JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
  }
}
