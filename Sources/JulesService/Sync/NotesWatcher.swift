import Essentials
import Foundation
import HostSystems

/// Watches a directory tree and calls `onChange` once changes have been quiet for `debounce` seconds (and once at
/// start). New subdirectories are watched as they appear; hidden entries are not changes.
public final class NotesWatcher: @unchecked Sendable {
  let root: String
  let debounce: Double
  let onChange: @Sendable () -> Void
  private let watcher = Locked<DirectoryWatcher?>(nil)

  public init(root: String, debounce: Double = 0.5, onChange: @escaping @Sendable () -> Void) {
    self.root = root
    self.debounce = debounce
    self.onChange = onChange
  }

  /// Opens the inotify descriptor and starts the watch thread.
  public func start() throws {
    let w: DirectoryWatcher
    do { w = try DirectoryWatcher(events: UInt32(IN_CREATE | IN_MODIFY | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF)) } catch {
      throw JulesError("could not watch NOTES_DIR '\(root)': inotify_init1 failed: \(error.reason)")
    }
    try Self.addTree(root, to: w)
    watcher.withLock { $0 = w }
    // One run at start-up, so changes made while the service was down are pushed too.
    let lastEvent = Locked<Double?>(systemMonotonicSeconds() - debounce)
    let debounce = debounce, onChange = onChange
    w.start(name: "notes-watcher") { events in
      for event in events {
        if event.isNewDirectory, let path = event.path { try? Self.addTree(path, to: w) }
        if !event.name.hasPrefix(".") { lastEvent.withLock { $0 = systemMonotonicSeconds() } }
      }
      let due = lastEvent.withLock { last -> Bool in
        guard let t = last, systemMonotonicSeconds() - t >= debounce else { return false }
        last = nil
        return true
      }
      if due { onChange() }
      return lastEvent.withLock { $0 != nil }
    }
  }

  public func stop() { watcher.current?.stop(wait: 2) }

  /// Watches `dir` and, recursively, its subdirectories that are not hidden.
  private static func addTree(_ dir: String, to watcher: DirectoryWatcher) throws {
    do { try watcher.add(dir) } catch { throw JulesError("could not watch '\(dir)': inotify_add_watch failed: \(error.reason)") }
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where !entry.hasPrefix(".") {
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: dir + "/" + entry, isDirectory: &isDir), isDir.boolValue {
        try? addTree(dir + "/" + entry, to: watcher)
      }
    }
  }
}
