import Foundation
import ReconcileCore
import ReconcileDrivers

/// `reconcile generations [--json]`: the generations kept for rollback, oldest first.
struct GenerationsCommand {
  let args: Arguments
  let terminal: Terminal

  func run() throws -> Int32 {
    let ws = try Workspace(args)
    let store = GenerationStore(stateDirectory: ws.store.directory)
    let kept = try store.list()
    if args.has("json") {
      let encoder = JSONEncoder()
      encoder.dateEncodingStrategy = .iso8601
      // Each generation without the manifest bytes: the names of its files instead.
      let objects = try kept.map { g -> Any in
        var object = try JSONSerialization.jsonObject(with: try encoder.encode(g)) as? [String: Any] ?? [:]
        object["sources"] = nil
        object["files"] = g.sources.map(\.file)
        return object
      }
      let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
      terminal.out(String(decoding: data, as: UTF8.self) + "\n")
      return ExitCode.ok
    }
    guard !kept.isEmpty else {
      terminal.out("No generation is recorded yet (each successful apply records one in \(store.directory)).\n")
      return ExitCode.ok
    }
    for g in kept {
      let mark = g.number == kept.last?.number ? " (current)" : ""
      terminal.out("\(terminal.style.bold("generation \(g.number)"))\(mark): \(Self.describe(g))\n")
      for (id, image) in g.images.sorted(by: { $0.key < $1.key }) {
        terminal.out("    \(id): \(image.reference) = \(image.id.prefix(19))\(image.digest.map { " (\($0.prefix(19)))" } ?? "")\n")
      }
      if let r = g.rejected { terminal.out("    rolled back from manifests \(r.manifestDigest.prefix(12)): \(r.reason)\n") }
    }
    return ExitCode.ok
  }

  /// `2026-11-30T15:40:00Z, git abc123def456, manifests 1a2b3c4d5e6f, by root@host with reconcile apply`.
  static func describe(_ g: Generation) -> String {
    let time = ISO8601DateFormatter().string(from: g.time)
    let rev = g.revision.map { "git \($0.prefix(12))" } ?? "no git revision"
    let restores = g.restores.map { ", restores generation \($0)" } ?? ""
    return "\(time), \(rev), manifests \(g.manifestDigest.prefix(12)), by \(g.user)@\(g.host) with '\(g.command)'\(restores)"
  }
}
