import Essentials
import Foundation

/// Files and directories on the same host share one namespace: two resources may not claim one path (a file and a
/// directory at `/srv/x`, two files), and a file or directory below a declared directory waits for it without an
/// explicit `dependsOn`, so the order of a plan never depends on the order of the manifests.
enum PathClaims {
  static let kinds: Set<String> = ["file", "directory"]

  /// The resources with the implied edges; a path claimed twice is reported on the later resource.
  static func apply(_ resources: [Resource], issues: IssueList) -> [Resource] {
    // By the text of the paths: a look at the file system for each (Foundation's `standardizingPath` follows symbolic
    // links) took 60 % of reading 10,000 file resources.
    let paths = resources.map { r in kinds.contains(r.id.kind) ? r.spec.locator["path"].map(normalized) : nil }
    var owner: [String: Int] = [:]
    owner.reserveCapacity(resources.count)
    var directories: [String: ResourceID] = [:]
    for (i, path) in paths.enumerated() {
      guard let path else { continue }
      let r = resources[i]
      if let first = owner[path].map({ resources[$0] }) {
        issues.add(
          ManifestIssue(
            file: r.origin.file, subject: "\(r.origin.path) '\(r.id)'", path: "path",
            message: "'\(path)' is also claimed by \(first.id) (\(first.origin.file) \(first.origin.path)); one path, one resource"))
      } else {
        owner[path] = i
        if r.id.kind == "directory" { directories[path] = r.id }
      }
    }
    guard !directories.isEmpty else { return resources }
    var out = resources
    for (i, path) in paths.enumerated() {
      guard let path, let parent = nearestDirectory(above: path, in: directories), parent != out[i].id, !out[i].dependsOn.contains(parent) else {
        continue
      }
      out[i] = out[i].adding(dependencies: [parent])
    }
    return out
  }

  static func normalized(_ path: String) -> String { PathText.lexical(path) }

  /// The deepest declared directory strictly above `path`.
  static func nearestDirectory(above path: String, in directories: [String: ResourceID]) -> ResourceID? {
    var dir = PathText.parent(path)
    while !dir.isEmpty {
      if let d = directories[dir] { return d }
      if dir == "/" { return nil }
      dir = PathText.parent(dir)
    }
    return nil
  }
}
