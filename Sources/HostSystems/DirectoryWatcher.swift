import Essentials
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Watches directories (not their subdirectories) with inotify on a thread of its own. The thread hands the events it
/// read to `onPoll`, and calls it again after one poll interval (100 ms), possibly with none, while `onPoll` says it
/// waits for time to pass (a debounce); otherwise it sleeps until an event comes, so an idle watch costs nothing.
/// `stop()` wakes and ends the thread.
public final class DirectoryWatcher: @unchecked Sendable {
  /// One inotify event.
  public struct Event: Sendable, Hashable {
    /// The watched directory it happened in; nil when its watch was already removed.
    public var directory: String?
    /// The entry's name in that directory; empty for an event on the directory itself.
    public var name: String
    /// The inotify mask (`IN_CREATE`, `IN_ISDIR`, …).
    public var mask: UInt32

    public init(directory: String?, name: String, mask: UInt32) {
      self.directory = directory
      self.name = name
      self.mask = mask
    }

    /// Whether the event says a directory came into the watched one (created or moved in).
    public var isNewDirectory: Bool {
      mask & UInt32(IN_ISDIR) != 0 && mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0
    }

    /// The path it is about: the entry, or the directory for an event on the directory itself.
    public var path: String? { directory.map { name.isEmpty ? $0 : "\($0)/\(name)" } }
  }

  /// What a write, a rename, a removal or a change of mode looks like.
  public static let changes = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB)

  let fd: Int32
  /// A pipe that `stop()` writes: it wakes the thread out of a wait without a timeout.
  let wake: (read: Int32, write: Int32)
  let mask: UInt32
  private let watches = Locked<[Int32: String]>([:])
  private let stopping = Locked(false)
  private let finished = Locked(false)
  private let started = Locked(false)

  /// Opens the inotify descriptor; watches nothing yet. Calls `inotify_init1`.
  public init(events mask: UInt32 = DirectoryWatcher.changes) throws(SystemCallFailure) {
    fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    guard fd >= 0 else { throw .last("inotify_init1", "") }
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else {
      let failure = SystemCallFailure.last("pipe", "")
      close(fd)
      throw failure
    }
    for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    wake = (ends[0], ends[1])
    self.mask = mask
  }

  /// Watches `directory` from now on. Calls `inotify_add_watch`.
  public func add(_ directory: String) throws(SystemCallFailure) {
    let wd = inotify_add_watch(fd, directory, mask)
    guard wd >= 0 else { throw .last("inotify_add_watch", directory) }
    watches.withLock { $0[wd] = directory }
  }

  /// Watches exactly these directories from now on: others are dropped, missing ones skipped.
  public func watch(exactly directories: Set<String>) {
    let have = watches.withLock { watches in
      for (wd, dir) in watches where !directories.contains(dir) {
        inotify_rm_watch(fd, wd)
        watches[wd] = nil
      }
      return Set(watches.values)
    }
    for dir in directories where !have.contains(dir) { try? add(dir) }
  }

  /// The directories watched now.
  public var directories: Set<String> { Set(watches.current.values) }

  /// Starts the watch thread, named `name`; it calls `onPoll` with every read of events, and once more after an
  /// interval while `onPoll` returns true, until `stop()`; then closes the descriptors. The first call comes after one
  /// interval.
  public func start(name: String, onPoll: @escaping @Sendable ([Event]) -> Bool) {
    started.withLock { $0 = true }
    let t = Thread { [self] in
      defer {
        close(fd)
        close(wake.read)
        close(wake.write)
        finished.withLock { $0 = true }
      }
      var buffer = [UInt8](repeating: 0, count: 64 * 1024)
      var soon = true
      while !stopping.current { soon = onPoll(read(into: &buffer, waiting: soon ? 100 : -1)) }
    }
    t.name = name
    t.start()
  }

  /// Asks the thread to end and waits up to `wait` seconds for it (0: does not wait); closes the descriptor at once
  /// when the thread never started.
  public func stop(wait: Double = 0) {
    let wasStopping = stopping.withLock { stopping in
      defer { stopping = true }; return stopping
    }
    if !wasStopping, !started.current {
      close(fd)
      close(wake.read)
      close(wake.write)
      return
    }
    if !wasStopping {
      var byte: UInt8 = 1
      _ = write(wake.write, &byte, 1)
    }
    let deadline = Date().addingTimeInterval(wait)
    while !finished.current && Date() < deadline { usleep(10_000) }
  }

  /// Waits up to `milliseconds` (-1: until something happens) for events and returns those read.
  func read(into buffer: inout [UInt8], waiting milliseconds: Int32) -> [Event] {
    var p = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
    _ = poll(&p, 2, milliseconds)
    let n = Glibc.read(fd, &buffer, buffer.count)
    guard n > 0 else { return [] }
    var events: [Event] = []
    var off = 0
    let header = MemoryLayout<inotify_event>.size
    while off + header <= n {
      let (wd, mask, len) = buffer.withUnsafeBytes { raw -> (Int32, UInt32, Int) in
        let e = raw.loadUnaligned(fromByteOffset: off, as: inotify_event.self)
        return (e.wd, e.mask, Int(e.len))
      }
      let nameStart = off + header
      let name = String(decoding: buffer[nameStart..<min(nameStart + len, n)].prefix { $0 != 0 }, as: UTF8.self)
      events.append(Event(directory: watches.withLock { $0[wd] }, name: name, mask: mask))
      off = nameStart + len
    }
    return events
  }
}
