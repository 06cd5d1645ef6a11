/// What observation found wrong with a container, and the remedy the plan decided on.
public enum ContainerSignal: Sendable, Hashable {
  /// The tag an `image` resource resolves to moved: the container is recreated from the new one.
  case imageMoved(from: String, to: String)
  /// The `image` resource is rebuilt in this apply (`why` says what changed), so the container is recreated.
  case imagePending(ref: String, why: String)
  /// The reference now names another image than the one the container runs (ids shortened).
  case imageRebuilt(ref: String, wanted: String, running: String)
  /// Running is wanted; the container is in another state (exit code when the Engine gave one).
  case notRunning(ContainerRunState, exitCode: String?)
  /// Stopped is wanted; the container is running, restarting or paused.
  case notStopped(ContainerRunState)
  /// Running, but its health check fails.
  case unhealthy
  /// Temporary copies (`NAME-reconcile-next`) of an interrupted start-first replacement run beside it.
  case leftoverCopies([String])
  /// A canary of the desired version was interrupted at `percent`: the replacement goes on from there.
  case interruptedRollout(percent: Int)
  /// The version a blue-green kept running (its name) is past its `keepPrevious`, or nothing keeps it any more.
  case previousExpired(String)
  /// The version a blue-green kept running (its name, kept until `until`) is the one the manifests want: the
  /// replacement switches the traffic back to it instead of starting a new container.
  case previousTakesOver(String, until: String)
  /// Replicas the manifests want running are not (their names); they are started.
  case replicasNotRunning([String])
  /// Replicas beyond the number the manifests want (their names); they are removed.
  case surplusReplicas([String])
  /// The container was made with a setting the manifests no longer declare (`ports`, `user`, `env.X`): it is made
  /// anew without it.
  case noLongerDeclared(String)

  /// What the driver does about it.
  public enum Remedy: Sendable, Hashable {
    case replace, start, unpause, restart, stop, removeLeftovers, removePrevious
    /// Brings the replicas to the wanted number, each running as the manifests say.
    case scale
  }

  public var remedy: Remedy {
    switch self {
    case .imageMoved, .imagePending, .imageRebuilt, .noLongerDeclared: .replace
    case .notRunning(.paused, _): .unpause
    case .notRunning(.restarting, _): .restart
    // Created but never started (an apply or the engine stopped in between): starting it again may fail the same
    // way forever, and nothing ran in it, so it is made anew.
    case .notRunning(.created, _): .replace
    case .notRunning: .start
    case .notStopped: .stop
    case .unhealthy: .restart
    case .leftoverCopies: .removeLeftovers
    case .replicasNotRunning, .surplusReplicas: .scale
    case .interruptedRollout, .previousTakesOver: .replace
    case .previousExpired: .removePrevious
    }
  }

  /// True when the container died or keeps dying (an alert-worthy state), not merely created or paused.
  public var isDeath: Bool {
    switch self {
    case .notRunning(.exited, _), .notRunning(.dead, _), .notRunning(.restarting, _): true
    default: false
    }
  }

  public var reason: String {
    switch self {
    case .imageMoved(let from, let to): return "image changed: '\(from)' -> '\(to)'"
    case .imagePending(let ref, let why): return "image changed: '\(ref)' \(why)"
    case .imageRebuilt(let ref, let wanted, let running): return "image changed: '\(ref)' now is \(wanted), the container runs \(running)"
    case .notRunning(let state, let exitCode):
      let exit = exitCode.map { " (exit code \($0))" } ?? ""
      switch state {
      case .exited, .dead, .restarting: return "container is \(state.text)\(exit)"
      case .created: return "container is created but was never started; it is made anew"
      default: return "container is \(state.text)"
      }
    case .notStopped(let state): return "container is \(state.text) but the manifest says 'stopped'"
    case .unhealthy: return "container is unhealthy"
    case .leftoverCopies(let names):
      return "a temporary copy from an interrupted replacement runs beside it (\(names.joined(separator: ", "))); it is removed"
    case .interruptedRollout(let percent): return "a canary of this version was interrupted at \(percent)%; it goes on from there"
    case .previousExpired(let name): return "the previous version kept for a quick switch back (\(name)) is past its keepPrevious; it is removed"
    case .previousTakesOver(let name, let until):
      return "the previous version, kept running until \(until) (\(name)), is the wanted one: the traffic switches back to it, no new container"
    case .replicasNotRunning(let names):
      return "replica\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")) not running; started again"
    case .surplusReplicas(let names):
      return "replica\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")) beyond 'replicas'; removed"
    case .noLongerDeclared(let name): return "'\(name)' removed from the manifests"
    }
  }
}

/// A container's state as the Engine reports it.
public enum ContainerRunState: Sendable, Hashable {
  case created, running, paused, restarting, exited, dead
  /// A state this build does not know, or `unknown` when none was reported.
  case other(String)

  public init(_ text: String?) {
    switch text {
    case "created": self = .created
    case "running": self = .running
    case "paused": self = .paused
    case "restarting": self = .restarting
    case "exited": self = .exited
    case "dead": self = .dead
    case let t: self = .other(t ?? "unknown")
    }
  }

  public var text: String {
    switch self {
    case .created: "created"
    case .running: "running"
    case .paused: "paused"
    case .restarting: "restarting"
    case .exited: "exited"
    case .dead: "dead"
    case .other(let t): t
    }
  }
}
