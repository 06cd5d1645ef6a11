import Foundation
import HostSystems
import Testing

@Suite struct GenerationsTests {
  /// Makes the next generation with one file and makes it live.
  func release(_ g: Generations, _ content: String) throws -> String {
    let next = g.next
    try FileManager.default.createDirectory(atPath: next, withIntermediateDirectories: true)
    try AtomicWrite.write(content, to: next + "/file")
    try g.activate(next)
    return next
  }

  @Test func liveFollowsTheNewestGenerationThroughARelativeLink() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let g = Generations(directory: dir.path, folder: "releases")
    #expect(g.current == nil)
    #expect(g.next == dir.path + "/releases/1")
    let first = try release(g, "one")
    #expect(g.current == first)
    let second = try release(g, "two")
    #expect(g.current == second)
    #expect(g.numbers == [1, 2])
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: g.live) == "releases/2")
    #expect(dir.read("live/file") == "two")
    #expect(!dir.entries.contains { $0.contains(".tmp-") })
  }

  @Test func switchingBackMakesAnOlderGenerationLive() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let g = Generations(directory: dir.path, folder: "generations")
    let first = try release(g, "one")
    _ = try release(g, "two")
    try g.activate(first)
    #expect(dir.read("live/file") == "one")
  }

  @Test func pruneKeepsTheNewestAndNeverTheLiveOne() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let g = Generations(directory: dir.path, folder: "generations")
    for n in 1...5 { _ = try release(g, "\(n)") }
    g.prune(keep: 3)
    #expect(g.numbers == [3, 4, 5])
    try g.activate(dir.path + "/generations/3")
    _ = try release(g, "6")
    try g.activate(dir.path + "/generations/3")
    g.prune(keep: 2)
    #expect(g.numbers == [3, 5, 6])
    #expect(dir.read("live/file") == "3")
  }
}
