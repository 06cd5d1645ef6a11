import Essentials
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The one way reconcile and jules replace a file's contents: write a temp file in the same directory, set its mode
/// (and owner), `fsync` it, `rename(2)` it over the path, then `fsync` the directory. A reader sees the old file or
/// the new one, never a part, and after the call returns the new one survives a power cut.
public enum AtomicWrite {
  /// How the file is written.
  public struct Options: Sendable {
    /// The new file's permission bits, set with `fchmod` (the umask does not apply).
    public var mode: mode_t
    /// The owner and group to give the file (`fchown`), when not the writer's.
    public var owner: uid_t?
    public var group: gid_t?
    /// A fixed temp path instead of `DIR/.NAME.tmp-PID`: for a caller that rules out concurrent writers and wants a
    /// crash's leftover reused (and so removed) by the next run.
    public var temporaryPath: String?

    public init(mode: mode_t = 0o600, owner: uid_t? = nil, group: gid_t? = nil, temporaryPath: String? = nil) {
      self.mode = mode
      self.owner = owner
      self.group = group
      self.temporaryPath = temporaryPath
    }
  }

  /// Replaces `path` with `bytes`, durably. Calls `open`, `write`, `fchmod`, `fchown`, `fsync`, `rename` and `fsync`
  /// of the directory; on failure the temp file is removed and `path` is untouched.
  public static func write(_ bytes: some Collection<UInt8>, to path: String, _ options: Options = Options()) throws(SystemCallFailure) {
    let dir = directory(of: path)
    let temp = options.temporaryPath ?? "\(dir)/.\((path as NSString).lastPathComponent).tmp-\(getpid())"
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw .last("open", temp) }
    var renamed = false
    defer {
      if !renamed { unlink(temp) }
    }
    do {
      defer { close(fd) }
      try writeAll(Array(bytes), to: fd, path: temp)
      guard fchmod(fd, options.mode) == 0 else { throw SystemCallFailure.last("fchmod", path) }
      if options.owner != nil || options.group != nil {
        guard fchown(fd, options.owner ?? uid_t.max, options.group ?? gid_t.max) == 0 else { throw SystemCallFailure.last("fchown", path) }
      }
      guard fsync(fd) == 0 else { throw SystemCallFailure.last("fsync", temp) }
    }
    guard rename(temp, path) == 0 else { throw .last("rename", path) }
    renamed = true
    syncDirectory(dir)
  }

  /// Replaces `path` with the UTF-8 bytes of `text`, durably.
  public static func write(_ text: String, to path: String, _ options: Options = Options()) throws(SystemCallFailure) {
    try write(Array(text.utf8), to: path, options)
  }

  /// Flushes a directory's entries (a rename in it) to disk; best effort.
  public static func syncDirectory(_ dir: String) {
    let d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if d >= 0 {
      fsync(d)
      close(d)
    }
  }

  static func directory(of path: String) -> String {
    let dir = PathText.parent(path)
    return dir.isEmpty ? "." : dir
  }

  static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(SystemCallFailure) {
    var off = 0
    while off < bytes.count {
      let n = bytes[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if n < 0, errno == EINTR { continue }
      guard n > 0 else { throw .last("write", path) }
      off += n
    }
  }
}
