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
    watcher.start(name: "test-watcher") { events in seen.withLock { $0 += events } }
    return (watcher, seen)
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
