import Foundation
import Essentials

/// Watches a directory tree with inotify and calls `onChange` once changes have been quiet for
/// `debounce` seconds (and once at start). New subdirectories are watched as they appear.
public final class NotesWatcher: @unchecked Sendable {
  let root: String
  let debounce: Double
  let onChange: @Sendable () -> Void
  private var fd: Int32 = -1
  private var watches: [Int32: String] = [:]
  private let stopping = Locked(false)
  private let done = Locked(false)

  public init(root: String, debounce: Double = 0.5, onChange: @escaping @Sendable () -> Void) {
    self.root = root
    self.debounce = debounce
    self.onChange = onChange
  }

  /// Opens the inotify descriptor and starts the watch thread.
  public func start() throws {
    fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    guard fd >= 0 else { throw JulesError("could not watch NOTES_DIR '\(root)': inotify_init1 failed: \(String(cString: strerror(errno)))") }
    try addTree(root)
    let t = Thread { [self] in loop() }
    t.name = "notes-watcher"
    t.start()
  }

  public func stop() {
    stopping.withLock { $0 = true }
    let deadline = systemMonotonicSeconds() + 2
    while !done.current && systemMonotonicSeconds() < deadline { usleep(10_000) }
  }

  private func addTree(_ dir: String) throws {
    let mask = UInt32(IN_CREATE | IN_MODIFY | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF)
    let wd = inotify_add_watch(fd, dir, mask)
    guard wd >= 0 else { throw JulesError("could not watch '\(dir)': inotify_add_watch failed: \(String(cString: strerror(errno)))") }
    watches[wd] = dir
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where !entry.hasPrefix(".") {
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: dir + "/" + entry, isDirectory: &isDir), isDir.boolValue {
        try? addTree(dir + "/" + entry)
      }
    }
  }

  private func loop() {
    defer { close(fd); done.withLock { $0 = true } }
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    // One run at start-up, so changes made while the service was down are pushed too.
    var lastEvent: Double? = systemMonotonicSeconds() - debounce
    while !stopping.current {
      var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      _ = poll(&p, 1, 100)
      let n = read(fd, &buffer, buffer.count)
      if n > 0 {
        var off = 0
        while off + MemoryLayout<inotify_event>.size <= n {
          let (wd, mask, len) = buffer.withUnsafeBytes { raw -> (Int32, UInt32, Int) in
            let e = raw.loadUnaligned(fromByteOffset: off, as: inotify_event.self)
            return (e.wd, e.mask, Int(e.len))
          }
          let nameStart = off + MemoryLayout<inotify_event>.size
          let name = String(decoding: buffer[nameStart..<nameStart + len].prefix { $0 != 0 }, as: UTF8.self)
          if mask & UInt32(IN_ISDIR) != 0 && mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0, let dir = watches[wd] {
            try? addTree(dir + "/" + name)
          }
          if !name.hasPrefix(".") { lastEvent = systemMonotonicSeconds() }
          off = nameStart + len
        }
      }
      if let t = lastEvent, systemMonotonicSeconds() - t >= debounce {
        lastEvent = nil
        onChange()
      }
    }
  }
}
