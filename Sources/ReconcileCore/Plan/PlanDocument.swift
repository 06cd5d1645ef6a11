import Foundation

/// The JSON form of a plan (`plan --json`, `plan --out`). Versioned by `formatVersion`; documented in README.
/// Sensitive values are `null` with `"sensitive": true`: a saved plan never holds a secret.
public struct PlanDocument: Codable, Sendable, Equatable {
  public static let currentFormat = "1"

  public struct Change: Codable, Sendable, Equatable {
    public var field: String
    public var before: String?
    public var after: String?
    public var sensitive: Bool
  }

  public struct ResourceChange: Codable, Sendable, Equatable {
    public var address: String
    public var kind: String
    public var name: String
    public var action: String
    public var reasons: [String]
    public var changes: [Change]
    public var fingerprint: String
    /// What the step refreshes once it succeeded; absent when nothing.
    public var refreshes: [RefreshNote]?
  }

  public struct RefreshNote: Codable, Sendable, Equatable {
    public var address: String
    public var action: String
  }

  public struct Note: Codable, Sendable, Equatable {
    public var address: String
    public var reason: String
  }

  public struct Summary: Codable, Sendable, Equatable {
    public var add: Int
    public var change: Int
    public var replace: Int
    public var destroy: Int
    /// Refreshes the steps carry; absent when none.
    public var refresh: Int?
  }

  public struct StateRef: Codable, Sendable, Equatable {
    public var lineage: String
    public var serial: Int
  }

  public var formatVersion: String
  public var manifestDigest: String
  public var state: StateRef
  public var resourceChanges: [ResourceChange]
  public var kept: [Note]
  public var forgotten: [String]
  /// Resources at a new address (`ResourceMove`); absent when none.
  public var moved: [Moved]?
  public var summary: Summary

  public struct Moved: Codable, Sendable, Equatable {
    public var from: String
    public var to: String
    /// Found by its object (the same locator), not declared in `moved`.
    public var found: Bool
  }

  public init(_ plan: Plan, manifestDigest: String, state: StateSnapshot) {
    formatVersion = Self.currentFormat
    self.manifestDigest = manifestDigest
    self.state = StateRef(lineage: state.lineage, serial: state.serial)
    resourceChanges = plan.steps.map { s in
      ResourceChange(
        address: s.id.description, kind: s.id.kind, name: s.id.name, action: s.action.rawValue, reasons: s.reasons,
        changes: s.changes.map { c in
          Change(field: c.field, before: Self.text(c.before), after: Self.text(c.after), sensitive: c.before == .sensitive || c.after == .sensitive)
        }, fingerprint: s.fingerprint, refreshes: s.refreshes.isEmpty ? nil : s.refreshes.map { RefreshNote(address: $0.id.description, action: $0.action) })
    }
    kept = plan.kept.map { Note(address: $0.id.description, reason: $0.text) }
    forgotten = plan.forgotten.map(\.description)
    moved = plan.moves.isEmpty ? nil : plan.moves.map { Moved(from: $0.from.description, to: $0.to.description, found: $0.found) }
    summary = Summary(
      add: plan.count(.create), change: plan.count(.update), replace: plan.count(.replace), destroy: plan.count(.destroy), refresh: plan.refreshCount > 0 ? plan.refreshCount : nil)
  }

  static func text(_ v: Shown?) -> String? {
    switch v {
    case .value(let s)?, .content(let s)?: s
    case .sensitive?, nil: nil
    }
  }

  public func encoded() -> Data {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return (try? e.encode(self)) ?? Data()
  }

  /// Addresses whose decision differs between a saved plan and a fresh one (a stale saved plan).
  public func staleAddresses(against fresh: PlanDocument) -> [String] {
    var saved: [String: String] = [:]
    for c in resourceChanges { saved[c.address] = c.fingerprint }
    var now: [String: String] = [:]
    for c in fresh.resourceChanges { now[c.address] = c.fingerprint }
    return Set(saved.keys).union(now.keys).filter { saved[$0] != now[$0] }.sorted()
  }
}
