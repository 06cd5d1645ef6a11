import Foundation
import Testing

@testable import ReconcileDrivers

/// What nginx's upstream log says of one address: lines logged before the tally began do not count, a line still
/// being written waits for its end, and an address nginx gave up on before the next one counts as a failure.
@Suite struct UpstreamTallyTests {
  @Test func countsOnlyTheAddressItJudgesFromWhereItBegan() throws {
    let path = NSTemporaryDirectory() + "upstreams-\(UUID().uuidString).json"
    defer { try? FileManager.default.removeItem(atPath: path) }
    func append(_ text: String) throws {
      let h = try #require(FileHandle(forWritingAtPath: path))
      try h.seekToEnd()
      try h.write(contentsOf: Data(text.utf8))
      try h.close()
    }
    try #"{"t":1.0,"upstream":"10.0.0.3:80","status":500,"time":0.100}"#.appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
    var tally = UpstreamTally(path: path, address: "10.0.0.3")
    try append(
      #"""
      {"t":2.0,"upstream":"10.0.0.3:80","status":200,"time":0.010}
      {"t":2.1,"upstream":"10.0.0.2:80","status":502,"time":0.001}
      {"t":2.2,"upstream":"10.0.0.30:80","status":500,"time":0.001}
      {"t":2.3,"upstream":"10.0.0.3:80, 10.0.0.2:80","status":200,"time":0.300}
      {"t":2.4,"upstream":"10.0.0.3:80","status":503,"time":0.020}
      {"t":2.5,"upstream":"10.0.0.3:80","sta
      """#)
    tally.read()
    #expect(tally.requests == 3 && tally.errors == 2)
    #expect(tally.p95 == 0.020)
    try append(#"tus":200,"time":0.030}"# + "\n")
    tally.read()
    #expect(tally.requests == 4 && tally.errors == 2 && tally.p95 == 0.030)
  }
}

/// The connections a proxy still holds to a container it no longer routes to, as the host's `/proc/net/tcp` shows.
@Suite struct OpenConnectionsTests {
  @Test func anEstablishedConnectionIsSeenUntilItCloses() throws {
    let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(server) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, len) } }
    listen(server, 4)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(server, $0, &len) } }
    let target = "127.0.0.1:\(UInt16(bigEndian: addr.sin_port))"
    #expect(OpenConnections.to([target]).isEmpty)
    let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, len) } }
    #expect(OpenConnections.to([target]) == [target])
    close(client)
    #expect(OpenConnections.to([target]).isEmpty)
    #expect(OpenConnections.address("0300FEAC:1F90") == "172.254.0.3:8080")
  }
}
