import Essentials
import Foundation
import Glibc
import Testing

@testable import ReconcileDrivers

@Suite struct CodePagesTests {
  @Test func theMappingsOfTheExecutableAreFoundByPathEvenWithSpacesAndOnceReplaced() {
    let maps = """
      5581e0c00000-5581e0cb3000 r--p 00000000 fe:00 1234   /opt/my tools/reconcile
      5581e0cb3000-5581e1f05000 r-xp 000b3000 fe:00 1234   /opt/my tools/reconcile
      5581e2000000-5581e2100000 rw-p 01305000 fe:00 1234   /opt/my tools/reconcile (deleted)
      5581e2100000-5581e2200000 rw-p 00000000 00:00 0
      7f0000000000-7f0000100000 r-xp 00000000 fe:00 99   /opt/my tools/reconcile-old
      7f0000100000-7f0000200000 r-xp 00000000 fe:00 98   /usr/lib/x86_64-linux-gnu/libc.so.6
      """
    #expect(
      CodePages.mappings(in: maps, of: "/opt/my tools/reconcile") == [
        0x5581_e0c0_0000..<0x5581_e0cb_3000, 0x5581_e0cb_3000..<0x5581_e1f0_5000, 0x5581_e200_0000..<0x5581_e210_0000,
      ])
    #expect(CodePages.mappings(in: "garbage\n\n00-zz r-xp 0 0 0 /x\n", of: "/x").isEmpty)
  }

  /// In this very process: the test binary's resident pages drop when handed back, and the code still runs after
  /// (its pages read back from the file).
  @Test func handingBackReclaimsTheExecutablesResidentPages() throws {
    let exe = try #require(CodePages.executablePath())
    var st = stat()
    try #require(stat(exe, &st) == 0)
    // The kernel reclaims a file's pages only for its owner or root (anything else would be a side channel).
    try #require(geteuid() == 0 || geteuid() == st.st_uid, "the suite runs as root or as the owner of its binary")
    let before = Self.residentKB(of: exe)
    #expect(before > 1024, "a running test binary has more than 1 MB of its pages resident")
    #expect(CodePages.handBack() > 0)
    let after = Self.residentKB(of: exe)
    #expect(after < before / 2, "resident pages of \(exe): \(before) kB before, \(after) kB after")
  }

  /// The sum of `Rss:` over the mappings of `path` in `/proc/self/smaps`.
  static func residentKB(of path: String) -> Int {
    var total = 0, inside = false
    for line in (ProcFile.read("/proc/self/smaps") ?? "").split(separator: "\n") {
      let head = line.prefix { $0 != " " }
      if head.contains("-"), head.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
        inside = !CodePages.mappings(in: String(line), of: path).isEmpty
      } else if inside, line.hasPrefix("Rss:") {
        total += Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
      }
    }
    return total
  }
}
