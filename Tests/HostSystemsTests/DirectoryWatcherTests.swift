import Essentials
import Foundation
import HostSystems
import TestSupport
import Testing

@Suite struct DirectoryWatcherTests {
  /// A watcher on `dir`, started, and the events it has reported so far.
  func watching(_ dir: TemporaryDirectory) throws -> (DirectoryWatcher, Locked<[DirectoryWatcher.Event]>) {
    let watcher = try DirectoryWatcher()
    try watcher.add(dir.path)
    let seen = Locked<[DirectoryWatcher.Event]>([])
    watcher.start(name: "test-watcher") { events in
      seen.withLock { $0 += events }
      return false
    }
    return (watcher, seen)
  }

  /// Idle, the thread sleeps until an event (no call without one); while `onPoll` waits for time to pass it is called
  /// again after an interval; `stop()` wakes it at once.
  @Test func anIdleWatchSleepsUntilAnEventAndStopWakesIt() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let watcher = try DirectoryWatcher()
    try watcher.add(dir.path)
    let calls = Locked<[Int]>([])  // events in each call
    let wantsTime = Locked(false)
    watcher.start(name: "test-watcher") { events in
      calls.withLock { $0.append(events.count) }
      return wantsTime.current
    }
    #expect(eventually(within: 2) { calls.current.count == 1 }, "the first call comes after one interval")
    usleep(600_000)
    #expect(calls.current == [0], "no call while nothing happens: \(calls.current)")
    wantsTime.withLock { $0 = true }
    try AtomicWrite.write("x", to: dir.path + "/a")
    #expect(eventually(within: 2) { calls.current.count >= 4 }, "called every interval while it waits for time: \(calls.current)")
    wantsTime.withLock { $0 = false }
    usleep(300_000)
    let settled = calls.current.count
    usleep(500_000)
    #expect(calls.current.count == settled, "asleep again once it no longer waits")
    let stopping = Date()
    watcher.stop(wait: 5)
    #expect(Date().timeIntervalSince(stopping) < 0.5, "stop wakes the sleeping thread")
  }

  @Test func aWriteInAWatchedDirectoryIsReported() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let (watcher, seen) = try watching(dir)
    defer { watcher.stop(wait: 2) }
    try AtomicWrite.write("x", to: dir.path + "/note.md")
    #expect(eventually(within: 5) { seen.current.contains { $0.path == dir.path + "/note.md" } })
    #expect(seen.current.allSatisfy { $0.directory == dir.path })
  }

  @Test func aNewSubdirectoryIsReportedAsOne() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let (watcher, seen) = try watching(dir)
    defer { watcher.stop(wait: 2) }
    try FileManager.default.createDirectory(atPath: dir.path + "/sub", withIntermediateDirectories: false)
    #expect(eventually(within: 5) { seen.current.contains { $0.isNewDirectory && $0.name == "sub" } })
  }

  @Test func watchingExactlyDropsTheOthers() throws {
    let a = try TemporaryDirectory(), b = try TemporaryDirectory()
    defer {
      a.remove()
      b.remove()
    }
    let watcher = try DirectoryWatcher()
    watcher.watch(exactly: [a.path, b.path, a.path + "/missing"])
    #expect(watcher.directories == [a.path, b.path])
    watcher.watch(exactly: [b.path])
    #expect(watcher.directories == [b.path])
    watcher.stop()
  }
}
