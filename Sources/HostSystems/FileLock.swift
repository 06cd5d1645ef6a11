import Essentials
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An exclusive `flock(2)` on a lock file, released by `release()` or when the value goes away. The lock belongs to
/// the open file description: two `FileLock`s on one path exclude each other even within one process.
public final class FileLock: @unchecked Sendable {
  public let path: String
  /// The open lock file, for a holder that writes who it is into it.
  public let descriptor: Int32
  private let isOpen = Locked(true)

  /// Opens (creating, mode 0600) the lock file; does not lock it yet. Calls `open`.
  public init(path: String, mode: mode_t = 0o600) throws(SystemCallFailure) {
    self.path = path
    descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode)
    guard descriptor >= 0 else { throw .last("open", path) }
  }

  /// Takes the lock if nobody holds it: false when another holder has it. Calls `flock(LOCK_EX | LOCK_NB)`.
  public func tryLock() throws(SystemCallFailure) -> Bool {
    if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
    guard errno == EWOULDBLOCK || errno == EINTR else { throw .last("flock", path) }
    return false
  }

  /// Waits as long as it takes for the lock. Calls `flock(LOCK_EX)`.
  public func lock() throws(SystemCallFailure) {
    while flock(descriptor, LOCK_EX) != 0 {
      guard errno == EINTR else { throw .last("flock", path) }
    }
  }

  /// Tries for the lock every `interval` seconds until `timeout` seconds have passed (one try for 0): false when it
  /// stayed held.
  public func lock(timeout: Double, interval: Double = 0.05) throws(SystemCallFailure) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while try !tryLock() {
      if Date() >= deadline { return false }
      usleep(useconds_t(interval * 1_000_000))
    }
    return true
  }

  /// Releases the lock and closes the file; later calls do nothing.
  public func release() {
    guard
      isOpen.withLock({ open in
        defer { open = false }; return open
      })
    else { return }
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }

  deinit { release() }
}
