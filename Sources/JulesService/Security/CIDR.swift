/// An address prefix such as `10.0.0.0/8` or `fd00::/8`; a bare address is a single-host prefix.
public struct CIDR: Sendable, Equatable, CustomStringConvertible {
  public let network: IPAddress
  public let prefixLength: Int

  public init?(_ text: String) {
    let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
    guard let first = parts.first, let ip = IPAddress(first) else { return nil }
    let maxBits = first.contains(":") ? 128 : 32
    var length = maxBits
    if parts.count == 2 {
      guard let n = Int(parts[1]), (0...maxBits).contains(n) else { return nil }
      length = n
    }
    // An IPv4-mapped IPv6 prefix is stored as IPv4: shift the length into IPv4 terms.
    if ip.isIPv4 && first.contains(":") {
      guard length >= 96 || parts.count == 1 else { return nil }
      length = parts.count == 2 ? length - 96 : 32
    }
    self.network = ip
    self.prefixLength = length
  }

  /// True when `address` lies inside this prefix; IPv4 never matches an IPv6 prefix and vice versa.
  public func contains(_ address: IPAddress) -> Bool {
    guard address.bytes.count == network.bytes.count else { return false }
    var bits = prefixLength
    for i in 0..<network.bytes.count {
      if bits <= 0 { return true }
      let mask: UInt8 = bits >= 8 ? 0xff : UInt8(truncatingIfNeeded: 0xff << (8 - bits))
      if address.bytes[i] & mask != network.bytes[i] & mask { return false }
      bits -= 8
    }
    return true
  }

  public var description: String { "\(network)/\(prefixLength)" }
}
