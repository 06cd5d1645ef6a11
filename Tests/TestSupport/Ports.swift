import Foundation

/// A free TCP port on 127.0.0.1 (bound to port 0, read back, released), for programs that cannot take port 0.
public func freePort() -> Int {
  let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  defer { close(s) }
  var addr = sockaddr_in()
  addr.sin_family = sa_family_t(AF_INET)
  addr.sin_addr.s_addr = inet_addr("127.0.0.1")
  var len = socklen_t(MemoryLayout<sockaddr_in>.size)
  _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) } }
  _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
  return Int(UInt16(bigEndian: addr.sin_port))
}
