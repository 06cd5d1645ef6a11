import Foundation
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// Writes managed files atomically (temp file in the same directory, then rename) and sets mode and ownership.
enum FileWriter {
  static func write(_ f: FileSpec) throws {
    let dir = (f.path as NSString).deletingLastPathComponent
    var st = stat()
    let existing = lstat(f.path, &st) == 0
    if existing, (st.st_mode & S_IFMT) == S_IFDIR {
      throw OperationError("'\(f.path)' is a directory, not a file")
    }
    // A fixed name: the state lock rules out a concurrent writer, and a rerun after a crash reuses (and so removes) it.
    let temp = "\(dir)/.\((f.path as NSString).lastPathComponent).reconcile-tmp"
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      if errno == ENOENT { throw OperationError("its directory '\(dir)' does not exist (declare a directory resource and list it in dependsOn)") }
      throw OperationError(cause: .io(path: temp, errno: errno, call: "open '\(temp)'"))
    }
    var ok = false
    defer {
      close(fd)
      if !ok { unlink(temp) }
    }
    let bytes = Array((f.content?.value ?? "").utf8)
    var written = 0
    while written < bytes.count {
      let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      guard n > 0 else { throw OperationError(cause: .io(path: temp, errno: errno, call: "write '\(temp)'")) }
      written += n
    }
    let mode = f.mode.flatMap { mode_t($0, radix: 8) } ?? (existing ? st.st_mode & 0o7777 : 0o644)
    guard fchmod(fd, mode) == 0 else { throw OperationError(cause: .io(path: f.path, errno: errno, call: "chmod '\(f.path)'")) }
    try chown(fd: fd, path: f.path, owner: f.owner ?? (existing ? "\(st.st_uid)" : nil), group: f.group ?? (existing ? "\(st.st_gid)" : nil))
    guard rename(temp, f.path) == 0 else { throw OperationError(cause: .io(path: f.path, errno: errno, call: "rename into '\(f.path)'")) }
    ok = true
  }

  static func makeDirectory(_ d: DirectorySpec) throws {
    var st = stat()
    if lstat(d.path, &st) != 0 {
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
