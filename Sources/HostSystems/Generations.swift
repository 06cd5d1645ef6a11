import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Numbered generation directories `DIR/FOLDER/1`, `2`, … with `DIR/live` a relative symlink to the one in force.
/// A new generation is made beside the old ones and made live with one `rename(2)` of the symlink, so readers see
/// either the old files or the new ones, never a mix. Shared by the nginx/Caddy configurations and certificates.
public struct Generations: Sendable {
  /// The directory that holds `live` and the generations' folder.
  public let directory: String
  /// The folder of numbered generations, relative to `directory`: `generations`, `releases`.
  public let folder: String

  public init(directory: String, folder: String) { (self.directory, self.folder) = (directory, folder) }

  /// The `live` symlink.
  public var live: String { directory + "/live" }
  /// The folder that holds the numbered generations.
  public var root: String { directory + "/" + folder }

  /// The live generation's directory, if any.
  public var current: String? {
    guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: live) else { return nil }
    return target.hasPrefix("/") ? target : directory + "/" + target
  }

  /// The numbers of the generations there are, oldest first.
  public var numbers: [Int] {
    ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap { Int($0) }.sorted()
  }

  /// The path of the next generation (one past the newest); it is not created.
  public var next: String { "\(root)/\((numbers.last ?? 0) + 1)" }

  /// Points `live` at `generation` atomically: a symlink at a temp name, renamed over `live`. Calls `symlink` and
  /// `rename`.
  public func activate(_ generation: String) throws(SystemCallFailure) {
    let temp = "\(live).tmp-\(getpid())"
    unlink(temp)
    guard symlink(folder + "/" + (generation as NSString).lastPathComponent, temp) == 0 else { throw .last("symlink", temp) }
    guard rename(temp, live) == 0 else {
      let failure = SystemCallFailure.last("rename", generation)
      unlink(temp)
      throw failure
    }
  }

  /// Removes the generations older than the newest `keep`, never the live one.
  public func prune(keep: Int) {
    let liveName = current.map { ($0 as NSString).lastPathComponent }
    for n in numbers.dropLast(keep) where "\(n)" != liveName { try? FileManager.default.removeItem(atPath: "\(root)/\(n)") }
  }
}
