import Foundation
import JulesService

/// Polls `condition` every 10 ms until it holds or `timeout` seconds pass. Never a fixed sleep.
func eventually(_ timeout: Double = 10, _ condition: () -> Bool) -> Bool {
  let deadline = systemMonotonicSeconds() + timeout
  while systemMonotonicSeconds() < deadline {
    if condition() { return true }
    usleep(10_000)
  }
  return condition()
}

/// A log sink that keeps every line, so tests can check that secrets never reach the log.
final class CapturedLog: Sendable {
  let lines = Locked([String]())
  var logger: JSONLogger { JSONLogger(sink: { [lines] l in lines.withLock { $0.append(l) } }) }
  var text: String { lines.current.joined() }
}

/// A free TCP port on 127.0.0.1 (bound and released; for programs that cannot take port 0).
func freePort() -> UInt16 {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  defer { close(fd) }
  var addr = sockaddr_in()
  addr.sin_family = sa_family_t(AF_INET)
  addr.sin_addr.s_addr = inet_addr("127.0.0.1")
  addr.sin_port = 0
  var len = socklen_t(MemoryLayout<sockaddr_in>.size)
  _ = withUnsafeMutablePointer(to: &addr) { p in p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
  _ = withUnsafeMutablePointer(to: &addr) { p in p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
  return UInt16(bigEndian: addr.sin_port)
}

func makeTempDir(_ label: String) -> String {
  let path = NSTemporaryDirectory() + "jules-\(label)-\(UUID().uuidString.prefix(8))"
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}
