import Essentials
import Foundation
import ReconcileCore

/// The digest of an image's source: every entry of a build context (path, type, mode, bytes,
/// link target), or a tarball's bytes. Reads the filesystem.
enum DockerSourceDigest {
  struct Unreadable: Error, CustomStringConvertible {
    var description: String
  }

  static func digest(of source: ImageSpec.Source) throws -> String? {
    switch source {
    case .build(let context, let dockerfile): return try contextDigest(context, dockerfile: dockerfile)
    case .importTarball(let path): return try fileDigest(path)
    case .reference: return nil
    }
  }

  /// Everything the build would send: `.dockerignore` rules apply, as they do to the context tar.
  static func contextDigest(_ directory: String, dockerfile: String = "Dockerfile") throws -> String {
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw Unreadable(description: "build context '\(directory)' is not a directory")
    }
    let ignore = try DockerIgnore(context: directory, dockerfile: dockerfile)
    var h = SHA256()
    for relative in try fm.subpathsOfDirectory(atPath: directory).sorted() where !ignore.excludes(relative) {
      let full = directory + "/" + relative
      let attributes = try fm.attributesOfItem(atPath: full)
      let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
      switch attributes[.type] as? FileAttributeType {
      case .typeDirectory?:
        h.update("d \(relative) \(mode)\n")
      case .typeSymbolicLink?:
        h.update("l \(relative) \(try fm.destinationOfSymbolicLink(atPath: full))\n")
      case .typeRegular?:
        let data = try Data(contentsOf: URL(fileURLWithPath: full))
        h.update("f \(relative) \(mode) \(data.count)\n")
        data.withUnsafeBytes { h.update($0) }
      default:
        continue
      }
    }
    return "sha256:" + h.finalize().hex
  }

  static func fileDigest(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw Unreadable(description: "cannot read tarball '\(path)'")
    }
    var h = SHA256()
    data.withUnsafeBytes { h.update($0) }
    return "sha256:" + h.finalize().hex
  }
}
