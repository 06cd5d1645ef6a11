import Foundation

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address; IPv4-mapped IPv6 addresses are stored as IPv4.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
  public let bytes: [UInt8]

  public init?(_ text: String) {
    let s = text.trimmingCharacters(in: .whitespaces)
    var v4 = in_addr()
    if inet_pton(AF_INET, s, &v4) == 1 {
      self.init(bytes: withUnsafeBytes(of: &v4) { Array($0) })
      return
    }
    var v6 = in6_addr()
    let unbracketed = s.hasPrefix("[") && s.hasSuffix("]") ? String(s.dropFirst().dropLast()) : s
    if inet_pton(AF_INET6, unbracketed, &v6) == 1 {
      self.init(bytes: withUnsafeBytes(of: &v6) { Array($0) })
      return
    }
    return nil
  }

  public init(bytes: [UInt8]) {
    if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
      self.bytes = Array(bytes[12..<16])
    } else {
      self.bytes = bytes
    }
  }

  /// Reads the address out of a `sockaddr` from the socket layer.
  public init?(sockaddr p: UnsafePointer<sockaddr>) {
    switch Int32(p.pointee.sa_family) {
    case AF_INET:
      let b = p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
        withUnsafeBytes(of: sin.pointee.sin_addr) { Array($0) }
      }
      self.init(bytes: b)
    case AF_INET6:
      let b = p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
        withUnsafeBytes(of: sin6.pointee.sin6_addr) { Array($0) }
      }
      self.init(bytes: b)
    default:
      return nil
    }
  }

  public var isIPv4: Bool { bytes.count == 4 }

  public var isLoopback: Bool {
    if isIPv4 { return bytes[0] == 127 }
    return bytes == [UInt8](repeating: 0, count: 15) + [1]
  }

  public var description: String {
    var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    var copy = bytes
    _ = inet_ntop(isIPv4 ? AF_INET : AF_INET6, &copy, &buf, socklen_t(buf.count))
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
