import Essentials
import Foundation
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// Observes and changes regular files and directories on this host.
public struct FileSystemDriver: KindDriver {
  public init() {}

  public var kinds: [String] { ["file", "directory"] }

  /// Calls `lstat` (and reads content when the manifest declares content) for every target.
  /// Every target's file; thousands of them in a share per core (each a few system calls and a read).
  public func observe(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    await SharedObservation.observe(targets, atLeast: 512) { observe($0) }
  }

  func observe(_ targets: ArraySlice<ObserveTarget>) -> [ResourceID: Observation] {
    var names = OwnerNames()
    var out: [ResourceID: Observation] = [:]
    out.reserveCapacity(targets.count)
    for t in targets {
      guard let path = t.locator["path"] else { continue }
      out[t.id] = observe(path: path, kind: t.id.kind, spec: t.spec, names: &names)
    }
    return out
  }

  func observe(path: String, kind: String, spec: (any ResourceSpec)?, names: inout OwnerNames) -> Observation {
    var st = stat()
    guard lstat(path, &st) == 0 else {
      guard kind == "directory", let top = Self.topMissingParent(of: path) else { return .absent }
      return Observation(exists: false, facts: [.missingParent: top])
    }
    let isDir = (st.st_mode & S_IFMT) == S_IFDIR
    let isFile = (st.st_mode & S_IFMT) == S_IFREG
    var attrs: [String: String] = [:]
    let declared = Set(spec?.attributes.map(\.name) ?? ["mode", "owner", "group", "content"])
    attrs["mode"] = FileSpec.octalMode(Int(st.st_mode & 0o7777))
    let numericOwner = (spec as? FileSpec)?.owner.map(Self.isNumeric) ?? (spec as? DirectorySpec)?.owner.map(Self.isNumeric) ?? false
    let numericGroup = (spec as? FileSpec)?.group.map(Self.isNumeric) ?? (spec as? DirectorySpec)?.group.map(Self.isNumeric) ?? false
    attrs["owner"] = numericOwner ? "\(st.st_uid)" : names.user(st.st_uid)
    attrs["group"] = numericGroup ? "\(st.st_gid)" : names.group(st.st_gid)
    var facts: [Fact: String] = [.type: isDir ? "directory" : isFile ? "file" : "other"]
    if kind == "file", isFile, declared.contains("content") {
      if let bytes = ProcFile.bytes(path, sizeHint: Int(st.st_size)) {
        attrs["content"] = String(decoding: bytes, as: UTF8.self)
      } else {
        facts[.unreadable] = "true"
      }
    }
    return Observation(exists: true, attributes: attrs, facts: facts)
  }

  static func isNumeric(_ s: String) -> Bool { !s.isEmpty && s.allSatisfy(\.isNumber) }

  /// The top-most missing ancestor of `path` (whose own parent exists), or nil when its parent exists.
  static func topMissingParent(of path: String) -> String? {
    var top: String?
    var dir = PathText.parent(path)
    while !dir.isEmpty, dir != "/", !FileManager.default.fileExists(atPath: dir) {
      top = dir
      dir = PathText.parent(dir)
    }
    return top
  }

  public func perform(_ step: Step) async throws {
    let path = step.desired?.locator["path"] ?? step.prior?.locator["path"] ?? ""
    do {
      switch step.action {
      case .create, .update:
        try write(step.desired)
      case .replace:
        if let old = step.prior?.locator["path"], old != path { try remove(kind: step.id.kind, path: old) }
        try write(step.desired)
      case .destroy:
        try remove(kind: step.id.kind, path: path)
      }
    } catch let e as OperationError {
      throw OperationError(doing: step.action.rawValue, of: step.id, cause: .because(e))
    }
  }

  func write(_ spec: (any ResourceSpec)?) throws {
    if let f = spec as? FileSpec {
      try FileWriter.write(f)
    } else if let d = spec as? DirectorySpec {
      try FileWriter.makeDirectory(d)
    }
  }

  func remove(kind: String, path: String) throws {
    if kind == "directory" {
      Self.removeOwnChallengeDirectories(in: path)
      guard rmdir(path) == 0 || errno == ENOENT else {
        if errno == ENOTEMPTY || errno == EEXIST {
          let n = (try? FileManager.default.contentsOfDirectory(atPath: path).count) ?? 0
          throw OperationError("'\(path)' is not empty (it holds \(n) entries reconcile does not manage); move them away or keep the directory in the manifests")
        }
        throw OperationError(cause: .io(path: path, errno: errno, call: "rmdir '\(path)'"))
      }
    } else {
      guard unlink(path) == 0 || errno == ENOENT else {
        throw OperationError(cause: .io(path: path, errno: errno, call: "unlink '\(path)'"))
      }
    }
  }
}

extension FileSystemDriver {
  /// The empty `.well-known/acme-challenge/` that certificate issuance leaves in a webroot is reconcile's own, not an
  /// entry it does not manage: it never keeps the webroot from being removed. Anything else in it does.
  static func removeOwnChallengeDirectories(in directory: String) {
    let wellKnown = directory + "/.well-known"
    let challenge = wellKnown + "/acme-challenge"
    guard (try? FileManager.default.contentsOfDirectory(atPath: challenge))?.isEmpty == true else { return }
    rmdir(challenge)
    rmdir(wellKnown)
  }
}

/// Caches uid/gid → name lookups for one observation pass.
struct OwnerNames {
  var users: [uid_t: String] = [:]
  var groups: [gid_t: String] = [:]

  mutating func user(_ uid: uid_t) -> String {
    if let n = users[uid] { return n }
    let n = getpwuid(uid).map { String(cString: $0.pointee.pw_name) } ?? "\(uid)"
    users[uid] = n
    return n
  }

  mutating func group(_ gid: gid_t) -> String {
    if let n = groups[gid] { return n }
    let n = getgrgid(gid).map { String(cString: $0.pointee.gr_name) } ?? "\(gid)"
    groups[gid] = n
    return n
  }
}
