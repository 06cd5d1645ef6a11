import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A system call that failed on a path: which call, on which path, and the `errno` it left. Callers turn it into
/// their own error (reconcile's `OperationError`, jules's `JulesError`); the call tells them which step failed.
public struct SystemCallFailure: Error, Sendable, Hashable, CustomStringConvertible {
  /// The failing call, as its C name: `open`, `write`, `fchmod`, `fchown`, `fsync`, `rename`, `symlink`, `mkdir`,
  /// `flock`, `inotify_init1`, `inotify_add_watch`.
  public var call: String
  /// The path the call was made on (a temp file's path when the call was on the temp file).
  public var path: String
  public var errno: Int32

  public init(call: String, path: String, errno: Int32) {
    self.call = call
    self.path = path
    self.errno = errno
  }

  /// The failing call with the current `errno`.
  static func last(_ call: String, _ path: String) -> SystemCallFailure {
    SystemCallFailure(call: call, path: path, errno: Glibc.errno)
  }

  /// The system's words for `errno`: `No such file or directory`.
  public var reason: String { String(cString: strerror(errno)) }

  public var description: String { "\(call) '\(path)': \(reason)" }
}
