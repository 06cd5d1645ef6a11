import Testing
@testable import JulesService

@Suite struct AddressPolicyTests {
  @Test(arguments: [
    ("10.0.0.0/8", "10.255.1.2", true),
    ("10.0.0.0/8", "11.0.0.1", false),
    ("192.168.1.0/24", "192.168.1.77", true),
    ("192.168.1.0/24", "192.168.2.1", false),
    ("172.16.0.0/12", "172.31.255.255", true),
    ("172.16.0.0/12", "172.32.0.0", false),
    ("0.0.0.0/0", "8.8.8.8", true),
    ("203.0.113.9", "203.0.113.9", true),
    ("203.0.113.9", "203.0.113.10", false),
    ("fd00::/8", "fd12:3456::1", true),
    ("fd00::/8", "fe80::1", false),
    ("2001:db8::/32", "2001:db8:ffff::1", true),
    ("2001:db8::/33", "2001:db8:8000::1", false),
    ("::1/128", "::1", true),
    ("10.0.0.0/8", "::ffff:10.1.1.1", true),
    ("::ffff:10.0.0.0/104", "10.9.9.9", true),
    ("10.0.0.0/8", "fd00::1", false),
    ("fd00::/8", "10.0.0.1", false),
  ])
  func cidrContains(cidr: String, address: String, expected: Bool) throws {
    let c = try #require(CIDR(cidr))
    let ip = try #require(IPAddress(address))
    #expect(c.contains(ip) == expected)
  }

  @Test(arguments: ["10.0.0.0/33", "fd00::/129", "10.0.0/8", "host/8", "", "10.0.0.0/-1"])
  func malformedCIDR(text: String) { #expect(CIDR(text) == nil) }

  @Test func emptyAllowlistMeansLoopbackOnly() {
    let p = ClientAddressPolicy(allowlist: [], trustedProxies: [])
    #expect(p.isAllowed(IPAddress("127.0.0.1")))
    #expect(p.isAllowed(IPAddress("::1")))
    #expect(!p.isAllowed(IPAddress("10.0.0.1")))
    #expect(!p.isAllowed(nil))
  }

  @Test func forwardedForOnlyFromTrustedProxies() {
    let p = ClientAddressPolicy(allowlist: [CIDR("10.0.0.0/8")!], trustedProxies: [CIDR("127.0.0.1/32")!, CIDR("10.9.0.0/16")!])
    let loop = IPAddress("127.0.0.1"), stranger = IPAddress("192.0.2.1")
    #expect(p.clientAddress(peer: loop, forwardedFor: "10.1.1.1") == IPAddress("10.1.1.1"))
    // The right-most untrusted hop is the client; entries further left are client-controlled.
    #expect(p.clientAddress(peer: loop, forwardedFor: "10.5.5.5, 192.0.2.7, 10.9.0.3") == IPAddress("192.0.2.7"))
    #expect(p.clientAddress(peer: stranger, forwardedFor: "10.1.1.1") == stranger)
    #expect(p.clientAddress(peer: loop, forwardedFor: "not-an-ip") == nil)
  }
}
