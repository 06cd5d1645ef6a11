import Essentials
import Foundation

/// Files and directories on the same host share one namespace: two resources may not claim one path (a file and a
/// directory at `/srv/x`, two files), and a file or directory below a declared directory waits for it without an
/// explicit `dependsOn`, so the order of a plan never depends on the order of the manifests.
enum PathClaims {
  static let kinds: Set<String> = ["file", "directory"]

  /// The resources with the implied edges; a path claimed twice is reported on the later resource.
  static func apply(_ resources: [Resource], issues: IssueList) -> [Resource] {
    var owner: [String: Resource] = [:]
    for r in resources where kinds.contains(r.id.kind) {
      guard let path = r.spec.locator["path"].map(normalized) else { continue }
      if let first = owner[path] {
        issues.add(
          ManifestIssue(
            file: r.origin.file, subject: "\(r.origin.path) '\(r.id)'", path: "path",
            message: "'\(path)' is also claimed by \(first.id) (\(first.origin.file) \(first.origin.path)); one path, one resource"))
      } else {
        owner[path] = r
      }
    }
    let directories = owner.filter { $0.value.id.kind == "directory" }
    return resources.map { r in
      guard kinds.contains(r.id.kind), let path = r.spec.locator["path"].map(normalized), let parent = nearestDirectory(above: path, in: directories) else {
        return r
      }
      guard parent != r.id, !r.dependsOn.contains(parent) else { return r }
      return r.adding(dependencies: [parent])
    }
  }

  static func normalized(_ path: String) -> String { OwnershipFields.withoutTrailingSlash((path as NSString).standardizingPath) }

  /// The deepest declared directory strictly above `path`.
  static func nearestDirectory(above path: String, in directories: [String: Resource]) -> ResourceID? {
    var dir = PathText.parent(path)
    while !dir.isEmpty {
      if let d = directories[dir] { return d.id }
      if dir == "/" { return nil }
      dir = PathText.parent(dir)
    }
    return nil
  }
}
