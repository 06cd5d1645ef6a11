import Essentials
import Foundation
import HostSystems
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// Writes managed files durably (`AtomicWrite`: temp file in the same directory, fsync, rename, fsync of the
/// directory) with their mode and ownership: declared, else those of the file it replaces, else 0644 and the writer's.
enum FileWriter {
  static func write(_ f: FileSpec) throws {
    let dir = PathText.parent(f.path)
    var st = stat()
    let existing = lstat(f.path, &st) == 0
    if existing, (st.st_mode & S_IFMT) == S_IFDIR {
      throw OperationError("'\(f.path)' is a directory, not a file")
    }
    // A fixed name: the state lock rules out a concurrent writer, and a rerun after a crash reuses (and so removes) it.
    let temp = "\(dir)/.\((f.path as NSString).lastPathComponent).reconcile-tmp"
    let mode = f.mode.flatMap { mode_t($0, radix: 8) } ?? (existing ? st.st_mode & 0o7777 : 0o644)
    let owner = try (f.owner ?? (existing ? "\(st.st_uid)" : nil)).map(lookupUser)
    let group = try (f.group ?? (existing ? "\(st.st_gid)" : nil)).map(lookupGroup)
    do {
      try AtomicWrite.write(Array((f.content?.value ?? "").utf8), to: f.path, AtomicWrite.Options(mode: mode, owner: owner, group: group, temporaryPath: temp))
    } catch {
      switch error.call {
      case "open" where error.errno == ENOENT:
        throw OperationError("its directory '\(dir)' does not exist (declare a directory resource and list it in dependsOn)")
      case "fchmod": throw OperationError(cause: .io(path: f.path, errno: error.errno, call: "chmod '\(f.path)'"))
      case "fchown": throw OperationError(cause: .io(path: f.path, errno: error.errno, call: "chown '\(f.path)'"))
      case "rename": throw OperationError(cause: .io(path: f.path, errno: error.errno, call: "rename into '\(f.path)'"))
      default: throw OperationError(cause: .io(path: temp, errno: error.errno, call: "\(error.call) '\(temp)'"))
      }
    }
  }

  static func makeDirectory(_ d: DirectorySpec) throws {
    var st = stat()
    if lstat(d.path, &st) != 0 {
      // Missing parents are made first (0755, like `mkdir -p`); the plan said so.
      let parent = PathText.parent(d.path)
      if !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) {
        do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755]) } catch {
          throw OperationError(doing: "create the parent directories of '\(d.path)'", error.localizedDescription)
        }
      }
      guard mkdir(d.path, d.mode.flatMap { mode_t($0, radix: 8) } ?? 0o755) == 0 else {
        throw OperationError(cause: .io(path: d.path, errno: errno, call: "mkdir '\(d.path)'"))
      }
    } else if (st.st_mode & S_IFMT) != S_IFDIR {
      throw OperationError("'\(d.path)' exists and is not a directory")
    }
    if let m = d.mode.flatMap({ mode_t($0, radix: 8) }), chmod(d.path, m) != 0 {
      throw OperationError(cause: .io(path: d.path, errno: errno, call: "chmod '\(d.path)'"))
    }
    if d.owner != nil || d.group != nil {
      let fd = open(d.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
      guard fd >= 0 else { throw OperationError(cause: .io(path: d.path, errno: errno, call: "open '\(d.path)'")) }
      defer { close(fd) }
      try chown(fd: fd, path: d.path, owner: d.owner, group: d.group)
    }
  }

  static func chown(fd: Int32, path: String, owner: String?, group: String?) throws {
    guard owner != nil || group != nil else { return }
    let uid: uid_t = try owner.map { try lookupUser($0) } ?? uid_t.max
    let gid: gid_t = try group.map { try lookupGroup($0) } ?? gid_t.max
    guard fchown(fd, uid, gid) == 0 else { throw OperationError(cause: .io(path: path, errno: errno, call: "chown '\(path)'")) }
  }

  static func lookupUser(_ name: String) throws -> uid_t {
    if let n = uid_t(name) { return n }
    guard let pw = getpwnam(name) else { throw OperationError("user '\(name)' does not exist on this host") }
    return pw.pointee.pw_uid
  }

  static func lookupGroup(_ name: String) throws -> gid_t {
    if let n = gid_t(name) { return n }
    guard let gr = getgrnam(name) else { throw OperationError("group '\(name)' does not exist on this host") }
    return gr.pointee.gr_gid
  }
}
