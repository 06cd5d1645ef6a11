import Foundation
import HostSystems
import Testing

@Suite struct AtomicWriteTests {
  /// A new file, and one that replaces a longer file of another mode.
  @Test(arguments: [(nil, 0o640), ("old, and longer than the new content", 0o600)] as [(String?, mode_t)])
  func writesTheContentWithTheModeAndLeavesNoTempFile(previous: String?, mode: mode_t) throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    if let previous { try AtomicWrite.write(previous, to: dir.path + "/a.conf", AtomicWrite.Options(mode: 0o644)) }
    try AtomicWrite.write(Array("hello\n".utf8), to: dir.path + "/a.conf", AtomicWrite.Options(mode: mode))
    #expect(dir.read("a.conf") == "hello\n")
    #expect(dir.mode("a.conf") == Int(mode))
    #expect(dir.entries == ["a.conf"])
  }

  @Test func writesThroughAFixedTemporaryPathAndRemovesIt() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    try AtomicWrite.write("x", to: dir.path + "/b", AtomicWrite.Options(temporaryPath: dir.path + "/.b.tmp"))
    #expect(dir.read("b") == "x")
    #expect(dir.entries == ["b"])
  }

  @Test func aMissingDirectoryFailsAtOpenAndCreatesNothing() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    #expect(throws: SystemCallFailure.self) { try AtomicWrite.write("x", to: dir.path + "/missing/c") }
    do {
      try AtomicWrite.write("x", to: dir.path + "/missing/c")
    } catch {
      #expect(error.call == "open")
      #expect(error.errno == ENOENT)
    }
    #expect(dir.entries.isEmpty)
  }

  @Test func aFailedRenameLeavesTheTargetAndNoTempFile() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    try FileManager.default.createDirectory(atPath: dir.path + "/d/inside", withIntermediateDirectories: true)
    // rename(2) of a file over a non-empty directory fails with EISDIR.
    #expect(throws: SystemCallFailure.self) { try AtomicWrite.write("x", to: dir.path + "/d") }
    #expect(dir.entries == ["d"])
  }
}
