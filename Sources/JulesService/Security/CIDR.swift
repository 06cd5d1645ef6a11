/// An address prefix such as `10.0.0.0/8` or `fd00::/8`; a bare address is a single-host prefix. The peer's
/// (Coldaine/JulesMCP) string prefixes of whole IPv4 octets are read too: `192.168.` is `192.168.0.0/16`.
public struct CIDR: Sendable, Equatable, CustomStringConvertible {
  public let network: IPAddress
  public let prefixLength: Int

  public init?(_ written: String) {
    var text = written
    if text.hasSuffix("."), !text.contains(":"), !text.contains("/") {
      let octets = text.dropLast().split(separator: ".", omittingEmptySubsequences: false)
      guard (1...3).contains(octets.count), octets.allSatisfy({ UInt8($0) != nil }) else { return nil }
      text = (octets + Array(repeating: "0", count: 4 - octets.count)).joined(separator: ".") + "/\(octets.count * 8)"
    }
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
