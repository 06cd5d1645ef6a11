/// Why a step exists, as a typed value. The plan's text is rendered from it (`text`); code that must decide reads
/// the value (a driver its `signal`, an alert its kind), never the rendered words. Terraform's `ActionReason`.
public enum Reason: Sendable, Hashable {
  /// The object was never created: `not present on the host`.
  case notPresent
  /// The object was applied before and is gone: `missing on the host (applied before, removed since)`.
  case removedSince
  /// The observer knows the create will fail and says why (a name held by an object reconcile does not manage).
  case blocked(String)
  /// The create makes missing parent directories too, from this one down (`mkdir -p`).
  case createsParents(String)
  /// `ensure is 'absent'`.
  case ensureAbsent
  /// `no longer in the manifests`.
  case undeclared
  /// `reconcile destroy` removes everything the state records.
  case destroyRequested
  /// Part of the object's locator moved (a file's path): `path changed: '/a' -> '/b'`.
  case moved(key: String, from: String, to: String)
  /// A declared attribute differs from the observed one. A secret is never held here, only that it changed.
  case attribute(name: String, change: AttributeChange)
  /// Something the kind found beyond its attributes.
  case found(Signal)
  /// The step waits until these containers are healthy (`dependsOn` with `"condition": "healthy"`).
  case waitsForHealthy([ResourceID])
  /// These backups are taken, verified and pinned before the step (`backupBefore`).
  case backsUpFirst([ResourceID])
  /// The replacement moves the traffic of these proxies (`nginx at PREFIX`) to the new container once it is healthy,
  /// and lets the old one finish its requests for at most `drain`.
  case switchesTraffic(prefixes: [String], drain: String)
  /// The replacement hands nginx's traffic to the new container in `steps` (percent), each held `every` and judged
  /// against `limits`; a breach sends it all back to the old one.
  case rollsOut(strategy: Rollout.Strategy, steps: [RolloutStep], every: String, prefixes: [String], limits: String, keep: String? = nil)
  /// The replicas are replaced one at a time, each new one healthy before the traffic (of nginx at `prefixes`) moves
  /// to it and the old one drains for at most `drain`.
  case rollingReplicas(count: Int, batch: Int, prefixes: [String], drain: String)

  /// How an attribute change is told: with both values, or only that it changed (content, secrets).
  public enum AttributeChange: Sendable, Hashable {
    case inline(before: String?, after: String)
    case content
    case sensitive
  }

  /// The reason as the plan shows it.
  public var text: String {
    switch self {
    case .notPresent: "not present on the host"
    case .removedSince: "missing on the host (applied before, removed since)"
    case .blocked(let why): why
    case .createsParents(let top): "its missing parent directories are created, from '\(top)' down"
    case .ensureAbsent: "ensure is 'absent'"
    case .undeclared: "no longer in the manifests"
    case .destroyRequested: "reconcile destroy"
    case .moved(let key, let from, let to): "\(key) changed: '\(from)' -> '\(to)'"
    case .attribute(let name, .inline(let before, let after)): "\(name) changed: '\(before ?? "(none)")' -> '\(after)'"
    case .attribute(let name, .content): "\(name) changed"
    case .attribute(let name, .sensitive): "\(name) changed (sensitive)"
    case .found(let signal): signal.reason
    case .switchesTraffic(let prefixes, let drain):
      "\(prefixes.joined(separator: " and ")) moves to the new container once it is healthy; the old one drains for at most \(drain)"
    case .rollsOut(.canary, let steps, let every, let prefixes, let limits, _):
      "canary through \(prefixes.joined(separator: " and ")): \(steps.map(\.description).joined(separator: " → ")) every \(every) once the new container is healthy; rolls back if \(limits)"
    case .rollsOut(.blueGreen, _, let every, let prefixes, let limits, let keep):
      "blue-green through \(prefixes.joined(separator: " and ")): all traffic moves to the new container once it is healthy, the old one stays ready for \(every); rolls back if \(limits)"
        + (keep.map { "; then the old one is kept running out of the upstream for \($0), so that going back to it is a switch" } ?? "")
    case .rollingReplicas(let count, let batch, let prefixes, let drain) where !prefixes.isEmpty:
      batch == 1
        ? "rolling, one of \(count) replicas at a time: each new one healthy before \(prefixes.joined(separator: " and ")) moves to it, the old one drains for at most \(drain)"
        : "rolling, \(batch) of \(count) replicas at a time: each batch healthy before \(prefixes.joined(separator: " and ")) moves to it, the old ones drain for at most \(drain)"
    case .rollingReplicas(let count, let batch, _, _):
      batch == 1
        ? "rolling, one of \(count) replicas at a time: each new one healthy before the old one stops"
        : "rolling, \(batch) of \(count) replicas at a time: each batch healthy before the old ones stop"
    case .backsUpFirst(let ids): "\(ids.map(\.description).joined(separator: " and ")) taken first and pinned"
    case .waitsForHealthy(let ids): "once \(ids.map(\.description).joined(separator: " and ")) \(ids.count == 1 ? "is" : "are") healthy"
    }
  }

  /// The attribute this reason changes, when it is an attribute change.
  public var attributeName: String? {
    if case .attribute(let name, _) = self { return name }
    return nil
  }

  /// The kind's finding, when this reason is one.
  public var signal: Signal? {
    if case .found(let s) = self { return s }
    return nil
  }

  /// A reason applying can do nothing about (see `Signal.isReportOnly`).
  public var isReportOnly: Bool { signal?.isReportOnly ?? false }
}
