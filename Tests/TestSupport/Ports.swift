import Essentials
import Foundation

/// The next port to try, below the kernel's ephemeral range (32768–60999 by default): a port from that range can be
/// taken as the source port of any outgoing connection (the load generators open thousands) between the moment it is
/// found free and the moment a program binds it. Each process starts at its own place.
private let nextPort = Locked(20_000 + Int(getpid() % 600) * 20)

/// A free TCP port on 127.0.0.1, for programs that cannot take port 0: one no other test of this process was given,
/// outside the ephemeral range, and free (it binds) when handed out.
public func freePort() -> Int {
  while true {
    let port = nextPort.withLock { next -> Int in
      next = next >= 32_000 ? 20_000 : next + 1
      return next
    }
    if canBind(port) { return port }
  }
}

func canBind(_ port: Int) -> Bool {
  let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  defer { close(s) }
  var addr = sockaddr_in()
  addr.sin_family = sa_family_t(AF_INET)
  addr.sin_port = UInt16(port).bigEndian
  addr.sin_addr.s_addr = inet_addr("127.0.0.1")
  return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
}
