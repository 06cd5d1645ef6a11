/// Why a reconciliation runs. Every run records its triggers.
public enum Trigger: Hashable, Sendable, CustomStringConvertible {
  case startup
  case resync
  case retry
  case manual(String)
  case manifestsChanged(String)
  case fileChanged(String)
  case engineEvent(String)
  case gitRevision(String)
  case engineReconnected
  /// A second look after an Engine event whose run saw nothing to do: the Engine can publish `die` before its
  /// container list shows the exit.
  case recheck(String)
  /// A managed proxy that ran is gone (`nginx at PREFIX`).
  case serverStopped(String)

  public var description: String {
    switch self {
    case .startup: "startup"
    case .resync: "periodic resync"
    case .retry: "retry after failure"
    case .manual(let who): "manual trigger (\(who))"
    case .manifestsChanged(let path): "manifests changed (\(path))"
    case .fileChanged(let path): "managed file changed (\(path))"
    case .engineEvent(let e): "Docker Engine event (\(e))"
    case .gitRevision(let sha): "git revision \(sha.prefix(12))"
    case .engineReconnected: "Docker Engine reachable again"
    case .recheck(let e): "re-check after Docker Engine event (\(e))"
    case .serverStopped(let what): "managed server stopped (\(what))"
    }
  }
}

/// Collects triggers; a run takes all that arrived since the last one, so bursts coalesce into one follow-up run.
public actor TriggerInbox {
  private var pending: [Trigger] = []
  private var waiter: CheckedContinuation<Void, Never>?

  public init() {}

  public func post(_ trigger: Trigger) {
    if !pending.contains(trigger) { pending.append(trigger) }
    waiter?.resume()
    waiter = nil
  }

  /// Everything posted since the last call.
  public func take() -> [Trigger] {
    defer { pending = [] }
    return pending
  }

  public var isEmpty: Bool { pending.isEmpty }

  /// Suspends until something is posted (at once when something is pending) or the task is cancelled.
  public func wait() async {
    if !pending.isEmpty || Task.isCancelled { return }
    await withTaskCancellationHandler {
      await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
        if !pending.isEmpty || Task.isCancelled { c.resume() } else { waiter = c }
      }
    } onCancel: {
      Task { await self.wake() }
    }
  }

  private func wake() {
    waiter?.resume()
    waiter = nil
  }
}
