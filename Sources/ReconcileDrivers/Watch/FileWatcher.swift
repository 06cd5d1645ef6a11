import Essentials
import Foundation
import HostSystems
import ReconcileCore

/// Watches the manifests' and managed files' directories and calls back once per burst of changes (debounced),
/// leaving out reconcile's own temp files. `start()` runs it on its own thread, asleep while nothing changes; `stop()`
/// ends it.
public final class FileWatcher: @unchecked Sendable {
  let watcher: DirectoryWatcher
  let debounce: Double
  let onChange: @Sendable ([String]) -> Void

  public init(debounce: Double = 0.2, onChange: @escaping @Sendable ([String]) -> Void) throws {
    do {
      watcher = try DirectoryWatcher()
    } catch {
      throw OperationError(doing: "start watching files", "inotify_init1: \(error.reason)")
    }
    self.debounce = debounce
    self.onChange = onChange
  }

  /// Starts the watching thread.
  public func start() {
    let pending = Locked<(paths: [String], firstAt: Double)>(([], 0))
    let debounce = debounce, onChange = onChange
    watcher.start(name: "file-watcher") { events in
      let now = Date().timeIntervalSince1970
      let ready = pending.withLock { pending -> [String]? in
        for event in events where !Self.isOwnTemp(event.name) {
          guard let path = event.path else { continue }
          if pending.paths.isEmpty { pending.firstAt = now }
          pending.paths.append(path)
        }
        guard !pending.paths.isEmpty, now - pending.firstAt >= debounce else { return nil }
        defer { pending.paths = [] }
        return Array(Set(pending.paths)).sorted()
      }
      if let ready { onChange(ready) }
      // Called again after an interval only while a burst waits for its debounce.
      return pending.withLock { !$0.paths.isEmpty }
    }
  }

  /// Our own temp files come and go during every write; they are not changes.
  static func isOwnTemp(_ name: String) -> Bool { name.hasSuffix(".reconcile-tmp") || name.contains(".tmp-") }

  /// Watches exactly these directories from now on (missing ones are skipped).
  public func watch(_ directories: Set<String>) { watcher.watch(exactly: directories) }

  public func stop() { watcher.stop() }
}
