import Foundation

/// The host's established TCP connections, from `/proc/net/tcp`: which of some `IP:PORT` targets a process on the host
/// (a proxy) still has a connection open to.
enum OpenConnections {
  /// The targets (`172.30.250.3:8080`, IPv4) that have an established connection from this network namespace.
  static func to(_ targets: Set<String>) -> Set<String> {
    guard !targets.isEmpty, let table = readAll("/proc/net/tcp") else { return [] }
    var open: Set<String> = []
    for line in table.split(separator: "\n").dropFirst() {
      let fields = line.split(separator: " ")
      // sl local_address rem_address st …; state 01 is ESTABLISHED.
      guard fields.count > 3, fields[3] == "01", let remote = address(fields[2]), targets.contains(remote) else { continue }
      open.insert(remote)
    }
    return open
  }

  /// Reads to the end: a /proc file reports a size of 0, so nothing may trust its size.
  static func readAll(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n <= 0 { break }
      out.append(contentsOf: chunk[0..<n])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// `0300FEAC:1F90` (the address in host byte order, little-endian here; the port big-endian) -> `172.254.0.3:8080`.
  static func address(_ hex: Substring) -> String? {
    let parts = hex.split(separator: ":")
    guard parts.count == 2, parts[0].count == 8, let ip = UInt32(parts[0], radix: 16), let port = UInt16(parts[1], radix: 16) else { return nil }
    let bytes = (0..<4).map { (ip >> (8 * UInt32($0))) & 0xff }
    return bytes.map(String.init).joined(separator: ".") + ":\(port)"
  }
}
