import Foundation
import ReconcileCore

/// `state/generations/N.json`: the last `keep` generations, one file each, written atomically (0600). Only the files
/// present count: the images they name are the ones kept for rollback.
public struct GenerationStore: Sendable {
  public let directory: String

  public init(stateDirectory: String) { directory = stateDirectory + "/generations" }

  /// Every generation kept, oldest first. A file that does not parse is an error naming it, never skipped.
  public func list() throws -> [Generation] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
    let numbers = names.compactMap { $0.hasSuffix(".json") ? Int($0.dropLast(5)) : nil }.sorted()
    return try numbers.map(load)
  }

  public func load(_ number: Int) throws -> Generation {
    let path = "\(directory)/\(number).json"
    guard let data = FileManager.default.contents(atPath: path) else {
      let kept = ((try? list()) ?? []).map { String($0.number) }
      throw OperationError(
        doing: "read generation \(number)", kept.isEmpty ? "no generation is recorded yet" : "it is not kept (kept: \(kept.joined(separator: ", ")))")
    }
    do {
      return try JSONStateStore.decoder.decode(Generation.self, from: data)
    } catch {
      throw OperationError(doing: "read generation \(number)", "'\(path)' does not parse: \(error)")
    }
  }

  /// Records the generation `make` builds with the next number, unless it is the same release as the latest; keeps the
  /// newest `keep` files and returns what it dropped.
  public func record(keep: Int, _ make: (Int) -> Generation) throws -> (recorded: Generation?, dropped: [Generation]) {
    let all = try list()
    let next = make((all.last?.number ?? 0) + 1)
    if let last = all.last, next.isSameRelease(as: last), next.restores == nil { return (nil, []) }
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
      try HostFiles.write(try JSONStateStore.encoder.encode(next), to: "\(directory)/\(next.number).json", mode: 0o600)
    } catch {
      throw OperationError(doing: "record generation \(next.number)", "\(error)")
    }
    let dropped = Array((all + [next]).dropLast(max(keep, 1)))
    for g in dropped { unlink("\(directory)/\(g.number).json") }
    return (next, dropped)
  }

  /// The image IDs the kept generations resolved to.
  public func keptImageIDs() -> Set<String> {
    Set(((try? list()) ?? []).flatMap { $0.images.values.map(\.id) })
  }
}
