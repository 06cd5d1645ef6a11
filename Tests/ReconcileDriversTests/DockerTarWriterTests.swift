import Foundation
import Testing

@testable import ReconcileDrivers

/// The archives are read back by Debian's GNU tar: the real consumer's rules, not ours.
@Suite("TarWriter")
struct DockerTarWriterTests {
  @Test func gnuTarListsFilesDirectoriesSymlinksAndModes() throws {
    var tar = TarWriter()
    tar.addDirectory("app", mode: 0o750)
    tar.addFile("app/run.sh", contents: Data("#!/bin/sh\necho hi\n".utf8), mode: 0o755)
    tar.addSymlink("app/current", target: "run.sh")
    let listing = try list(tar.finish())
    #expect(listing.contains { $0.hasPrefix("drwxr-x---") && $0.hasSuffix("app/") })
    #expect(listing.contains { $0.hasPrefix("-rwxr-xr-x") && $0.hasSuffix("app/run.sh") })
    #expect(listing.contains { $0.hasPrefix("lrwxrwxrwx") && $0.hasSuffix("app/current -> run.sh") })
  }

  @Test func longNamesUseThePrefixOrALongLink() throws {
    let splittable = String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 90)
    let unsplittable = "x/" + String(repeating: "n", count: 150)
    let longTarget = String(repeating: "t", count: 140)
    var tar = TarWriter()
    tar.addFile(splittable, contents: Data("a".utf8))
    tar.addFile(unsplittable, contents: Data("b".utf8))
    tar.addSymlink("link", target: longTarget)
    let names = try run(["tar", "-tf", "-"], input: tar.finish()).split(separator: "\n").map(String.init)
    #expect(names == [splittable, unsplittable, "link"])
    let verbose = try list(tar.finish())
    #expect(verbose.last?.hasSuffix("link -> \(longTarget)") == true)
  }

  @Test func contentsRoundTrip() throws {
    let payload = Data((0..<1500).map { UInt8($0 % 251) })
    var tar = TarWriter()
    tar.addFile("blob.bin", contents: payload)
    let archive = tar.finish()
    #expect(archive.count % 512 == 0)
    #expect(try runData(["tar", "-xOf", "-", "blob.bin"], input: archive) == payload)
  }

  @Test func addTreeKeepsSymlinksAndIsSorted() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rc-tar-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("b"), withIntermediateDirectories: true)
    try Data("z".utf8).write(to: dir.appendingPathComponent("b/z.txt"))
    try Data("a".utf8).write(to: dir.appendingPathComponent("a.txt"))
    try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("b/l").path, withDestinationPath: "z.txt")
    var tar = TarWriter()
    try tar.addTree(at: dir)
    let names = try run(["tar", "-tf", "-"], input: tar.finish()).split(separator: "\n").map(String.init)
    #expect(names == ["a.txt", "b/", "b/l", "b/z.txt"])
  }

  private func list(_ archive: Data) throws -> [String] {
    try run(["tar", "-tvf", "-"], input: archive).split(separator: "\n").map(String.init)
  }

  private func run(_ argv: [String], input: Data) throws -> String {
    String(decoding: try runData(argv, input: input), as: UTF8.self)
  }

  private func runData(_ argv: [String], input: Data) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = argv
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(input)
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(argv) failed: \(String(decoding: errors, as: UTF8.self))")
    return output
  }
}
