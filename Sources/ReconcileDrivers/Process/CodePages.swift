import Essentials
import Foundation

/// The pages of this process's own executable that the kernel keeps mapped: the code and constants a run used.
public enum CodePages {
  /// Asks the kernel to reclaim the executable's resident pages (`madvise(MADV_PAGEOUT)`, Linux 5.4): for a long-lived
  /// process going idle after a burst of work. Nothing is lost: a page is read back from the file when next used. The
  /// kernel reclaims only pages no other process maps, and a file's pages only for a process that may write the file
  /// (its owner or root); elsewhere this changes nothing. Returns the bytes of the mappings advised.
  @discardableResult public static func handBack() -> Int {
    guard let exe = executablePath(), let maps = ProcFile.read("/proc/self/maps") else { return 0 }
    var advised = 0
    for range in mappings(in: maps, of: exe) {
      guard let start = UnsafeMutableRawPointer(bitPattern: range.lowerBound) else { continue }
      if madvise(start, range.count, MADV_PAGEOUT) == 0 { advised += range.count }
    }
    return advised
  }

  /// The address ranges of `/proc/self/maps` lines that map `path` (the file as it was at exec: the kernel appends
  /// " (deleted)" once it is replaced, as an upgrade does under a running controller).
  static func mappings(in maps: String, of path: String) -> [Range<UInt>] {
    maps.split(separator: "\n").compactMap { line in
      // address perms offset device inode path — the path is the rest of the line, and may hold spaces.
      let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
      guard fields.count == 6 else { return nil }
      let mapped = fields[5].drop { $0 == " " }
      guard mapped == path || mapped == path + " (deleted)" else { return nil }
      let bounds = fields[0].split(separator: "-")
      guard bounds.count == 2, let lower = UInt(bounds[0], radix: 16), let upper = UInt(bounds[1], radix: 16), lower < upper else { return nil }
      return lower..<upper
    }
  }

  /// This process's executable, as the kernel names it.
  static func executablePath() -> String? { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") }
}
