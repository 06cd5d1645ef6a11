/// Decides the client address of a request and whether it is allowed.
///
/// The address is the socket peer, unless the peer is a trusted proxy: then the right-most
/// `X-Forwarded-For` entry that is not itself a trusted proxy. An empty allowlist admits loopback only.
public struct ClientAddressPolicy: Sendable {
  public let allowlist: [CIDR]
  public let trustedProxies: [CIDR]

  public init(allowlist: [CIDR], trustedProxies: [CIDR]) {
    self.allowlist = allowlist
    self.trustedProxies = trustedProxies
  }

  public func clientAddress(peer: IPAddress?, forwardedFor: String?) -> IPAddress? {
    guard let peer else { return nil }
    guard isTrustedProxy(peer), let xff = forwardedFor else { return peer }
    let hops = xff.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    for hop in hops.reversed() {
      guard let ip = IPAddress(hop) else { return nil }
      if !isTrustedProxy(ip) { return ip }
    }
    return hops.first.flatMap { IPAddress($0) } ?? peer
  }

  public func isAllowed(_ address: IPAddress?) -> Bool {
    guard let address else { return false }
    if allowlist.isEmpty { return address.isLoopback }
    return allowlist.contains { $0.contains(address) }
  }

  /// Whether a socket peer may connect at all (checked at accept time): an allowed client, a trusted proxy, or
  /// loopback (the container's own healthcheck, and clients through a proxy on the same host).
  public func mayConnect(_ peer: IPAddress) -> Bool { peer.isLoopback || isAllowed(peer) || isTrustedProxy(peer) }

  func isTrustedProxy(_ ip: IPAddress) -> Bool { trustedProxies.contains { $0.contains(ip) } }
}
