import Foundation
import HostSystems
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

/// An exclusive lock on the state directory (a `FileLock` on `state/lock`), with the holder's identity inside.
/// A lock file still holding a record while nobody holds the flock means its holder died mid-run:
/// that is reported to the caller (`staleHolder`), never ignored.
public final class StateLock: @unchecked Sendable {
  let file: FileLock
  var path: String { file.path }
  /// The holder that died without releasing the lock, if any.
  public let staleHolder: LockHolder?

  /// Takes the lock, polling until `timeout` seconds have passed.
  public init(directory: String, command: String, timeout: Double) throws {
    let path = directory + "/lock"
    do { file = try FileLock(path: path) } catch {
      throw OperationError(doing: "open the state lock '\(path)'", cause: .io(path: path, errno: error.errno, call: nil))
    }
    let locked: Bool
    do { locked = try file.lock(timeout: timeout) } catch {
      file.release()
      throw OperationError(doing: "lock '\(path)'", cause: .io(path: path, errno: error.errno, call: nil))
    }
    guard locked else {
      let holder = Self.read(file.descriptor).map { "held by \($0.summary)" } ?? "held by another process"
      file.release()
      let hint = timeout > 0 ? "" : "; wait for it or retry with --lock-timeout 60s"
      throw OperationError("the state in '\(directory)' is locked: \(holder)\(hint)")
    }
    let fd = file.descriptor
    staleHolder = Self.read(fd)
    let me = LockHolder(pid: getpid(), host: ProcessInfo.processInfo.hostName, command: command, started: Date())
    let data = (try? Self.encoder.encode(me)) ?? Data()
    ftruncate(fd, 0)
    _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    fsync(fd)
  }

  /// Clears the holder record and releases the lock.
  public func release() {
    ftruncate(file.descriptor, 0)
    file.release()
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
