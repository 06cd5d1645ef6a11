import Essentials
import Foundation

/// The host's established TCP connections, from `/proc/net/tcp`: which of some `IP:PORT` targets a process on the host
/// (a proxy) still has a connection open to.
enum OpenConnections {
  /// The targets (`172.30.250.3:8080`, IPv4) that have an established connection from this network namespace.
  static func to(_ targets: Set<String>) -> Set<String> {
    guard !targets.isEmpty, let table = ProcFile.read("/proc/net/tcp") else { return [] }
    var open: Set<String> = []
    for line in table.split(separator: "\n").dropFirst() {
      let fields = line.split(separator: " ")
      // sl local_address rem_address st …; state 01 is ESTABLISHED.
      guard fields.count > 3, fields[3] == "01", let remote = address(fields[2]), targets.contains(remote) else { continue }
      open.insert(remote)
    }
    return open
  }

  /// `0300FEAC:1F90` (the address in host byte order, little-endian here; the port big-endian) -> `172.254.0.3:8080`.
  static func address(_ hex: Substring) -> String? {
    let parts = hex.split(separator: ":")
    guard parts.count == 2, parts[0].count == 8, let ip = UInt32(parts[0], radix: 16), let port = UInt16(parts[1], radix: 16) else { return nil }
    let bytes = (0..<4).map { (ip >> (8 * UInt32($0))) & 0xff }
    return bytes.map(String.init).joined(separator: ".") + ":\(port)"
  }
}
