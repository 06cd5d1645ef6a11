import Essentials
import Foundation
import ReconcileCore

/// Reads manifest sources from a file or a directory tree of `*.json` files (sorted by path; not `*.schema.json`; not
/// the files of a module kept in the tree: a directory below the top holding a `module.json`).
public enum ManifestFiles {
  /// `excluding`: a directory under `path` that holds no manifests (the state directory, when it lies there);
  /// `modules`: the files of modules kept in the tree too (`fmt` formats them).
  public static func read(_ path: String, excluding: String? = nil, modules: Bool = false) throws -> [ManifestSource] {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
      throw OperationError(doing: "read the manifests", "'\(path)' does not exist (pass --manifests FILE_OR_DIR)")
    }
    guard isDir.boolValue else { return [try source(path)] }
    guard let walker = FileManager.default.enumerator(atPath: path) else {
      throw OperationError(doing: "read the manifests", "cannot list '\(path)'")
    }
    var files: [String] = []
    let standard = { (p: String) in ((p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p) as NSString).standardizingPath }
    let excluded = excluding.map(standard)
    while let rel = walker.nextObject() as? String {
      let name = (rel as NSString).lastPathComponent
      if name.hasPrefix(".") || standard("\(path)/\(rel)") == excluded || (!modules && FileManager.default.fileExists(atPath: "\(path)/\(rel)/module.json")) {
        walker.skipDescendants()
        continue
      }
      // `*.schema.json` is a JSON Schema for editors (`reconcile schema`), not a manifest.
      if rel.hasSuffix(".json"), !rel.hasSuffix(".schema.json") { files.append(rel) }
    }
    guard !files.isEmpty else { throw OperationError(doing: "read the manifests", "'\(path)' holds no *.json file") }
    let base = path.hasSuffix("/") ? String(path.dropLast()) : path
    return try files.sorted().map { try source("\(base)/\($0)") }
  }

  static func source(_ file: String) throws -> ManifestSource {
    guard let data = FileManager.default.contents(atPath: file) else {
      throw OperationError(doing: "read the manifest '\(file)'", "permission denied or not a regular file")
    }
    let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
    return ManifestSource(file: file, data: data, directory: (PathText.parent(absolute) as NSString).standardizingPath)
  }

  /// The directory the manifests live in (for `.env`, `secrets/` and `templates/` beside them).
  public static func baseDirectory(of path: String) -> String {
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue { return path }
    let d = PathText.parent(path)
    return d.isEmpty ? "." : d
  }
}
