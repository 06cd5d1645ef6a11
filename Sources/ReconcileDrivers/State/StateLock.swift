import Foundation
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// Who holds the state lock, written into the lock file while it is held.
public struct LockHolder: Codable, Sendable {
  public var pid: Int32
  public var host: String
  public var command: String
  public var started: Date

  public var summary: String {
    "pid \(pid) on host '\(host)' (\(command)), since \(ISO8601DateFormatter().string(from: started))"
  }
}

/// An exclusive lock on the state directory (`flock` on `state/lock`), with the holder's identity inside.
/// A lock file still holding a record while nobody holds the flock means its holder died mid-run:
/// that is reported to the caller (`staleHolder`), never ignored.
public final class StateLock: @unchecked Sendable {
  let fd: Int32
  let path: String
  /// The holder that died without releasing the lock, if any.
  public let staleHolder: LockHolder?

  /// Takes the lock, polling until `timeout` seconds have passed.
  public init(directory: String, command: String, timeout: Double) throws {
    path = directory + "/lock"
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw OperationError(doing: "open the state lock '\(path)'", cause: .io(path: path, errno: errno, call: nil)) }
    let deadline = Date().addingTimeInterval(timeout)
    while flock(fd, LOCK_EX | LOCK_NB) != 0 {
      guard errno == EWOULDBLOCK || errno == EINTR else {
        close(fd)
        throw OperationError(doing: "lock '\(path)'", cause: .io(path: path, errno: errno, call: nil))
      }
      if Date() >= deadline {
        let holder = Self.read(fd).map { "held by \($0.summary)" } ?? "held by another process"
        close(fd)
        let hint = timeout > 0 ? "" : "; wait for it or retry with --lock-timeout 60s"
        throw OperationError("the state in '\(directory)' is locked: \(holder)\(hint)")
      }
      usleep(50_000)
    }
    staleHolder = Self.read(fd)
    var host = [CChar](repeating: 0, count: 256)
    gethostname(&host, 255)
    let me = LockHolder(pid: getpid(), host: String(cString: host), command: command, started: Date())
    let data = (try? Self.encoder.encode(me)) ?? Data()
    ftruncate(fd, 0)
    _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    fsync(fd)
  }

  /// Clears the holder record and releases the lock.
  public func release() {
    ftruncate(fd, 0)
    flock(fd, LOCK_UN)
    close(fd)
  }

  static let encoder: JSONEncoder = {
    let e = JSONEncoder()
    e.dateEncodingStrategy = .iso8601
    return e
  }()

  static func read(_ fd: Int32) -> LockHolder? {
    var buf = [UInt8](repeating: 0, count: 4096)
    let n = pread(fd, &buf, buf.count, 0)
    guard n > 0 else { return nil }
    let d = JSONDecoder()
    d.dateDecodingStrategy = .iso8601
    return try? d.decode(LockHolder.self, from: Data(buf[0..<n]))
  }
}
