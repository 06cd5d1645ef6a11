import Foundation
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// Watches directories with inotify and calls back once per burst of changes (debounced).
/// `start()` runs it on its own thread; `stop()` ends it within one poll interval.
public final class FileWatcher: @unchecked Sendable {
  let fd: Int32
  let debounce: Double
  let onChange: @Sendable ([String]) -> Void
  private let lock = NSLock()
  private var watches: [Int32: String] = [:]
  private var stopped = false

  public init(debounce: Double = 0.2, onChange: @escaping @Sendable ([String]) -> Void) throws {
    fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    guard fd >= 0 else { throw OperationError(doing: "start watching files", "inotify_init1: \(String(cString: strerror(errno)))") }
    self.debounce = debounce
    self.onChange = onChange
  }

  /// Starts the watching thread.
  public func start() {
    Thread.detachNewThread { [self] in self.loop() }
  }

  /// Watches exactly these directories from now on (missing ones are skipped).
  public func watch(_ directories: Set<String>) {
    lock.withLock {
      for (wd, dir) in watches where !directories.contains(dir) {
        inotify_rm_watch(fd, wd)
        watches[wd] = nil
      }
      let have = Set(watches.values)
      let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB)
      for dir in directories where !have.contains(dir) {
        let wd = inotify_add_watch(fd, dir, mask)
        if wd >= 0 { watches[wd] = dir }
      }
    }
  }

  public func stop() {
    lock.withLock { stopped = true }
  }

  func loop() {
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    var pending: [String] = []
    var firstAt = 0.0
    while !lock.withLock({ stopped }) {
      var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      _ = poll(&p, 1, 100)
      let n = read(fd, &buffer, buffer.count)
      if n > 0 {
        var off = 0
        while off + MemoryLayout<inotify_event>.size <= n {
          let (wd, len, name) = buffer.withUnsafeBytes { raw -> (Int32, Int, String) in
            let ev = raw.load(fromByteOffset: off, as: inotify_event.self)
            let nameStart = off + MemoryLayout<inotify_event>.size
            let bytes = raw[nameStart..<min(nameStart + Int(ev.len), n)].prefix { $0 != 0 }
            return (ev.wd, Int(ev.len), String(decoding: bytes, as: UTF8.self))
          }
          off += MemoryLayout<inotify_event>.size + len
          // Our own temp files come and go during every write; they are not changes.
          if name.hasSuffix(".reconcile-tmp") || name.contains(".tmp-") { continue }
          if let dir = lock.withLock({ watches[wd] }) {
            if pending.isEmpty { firstAt = Date().timeIntervalSince1970 }
            pending.append(name.isEmpty ? dir : "\(dir)/\(name)")
          }
        }
      }
      if !pending.isEmpty, Date().timeIntervalSince1970 - firstAt >= debounce {
        onChange(Array(Set(pending)).sorted())
        pending = []
      }
    }
    close(fd)
  }
}
