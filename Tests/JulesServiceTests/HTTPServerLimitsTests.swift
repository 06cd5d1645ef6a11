import Foundation
import Testing
@testable import JulesService
import TestSupport

/// Limits of the libmicrohttpd server: connections, idle timeout, body size (also when chunked).
@Suite struct HTTPServerLimitsTests {
  func server(_ configure: (inout HTTPServer.Options) -> Void) throws -> HTTPServer {
    var o = HTTPServer.Options()
    configure(&o)
    let s = HTTPServer(options: o) { req in HTTPResponse(status: 200, text: "got \(req.body.count)") }
    try s.start()
    return s
  }

  @Test func connectionLimitRefusesExtraConnections() throws {
    let s = try server { $0.connectionLimit = 2 }
    defer { s.shutdown(grace: 1) }
    let url = "http://127.0.0.1:\(s.port)/"
    var held = [try RawSocketClient(port: s.port), try RawSocketClient(port: s.port)]
    for c in held { c.write("GET / HTTP/1.1\r\nHost: x\r\n") }  // incomplete: the connections stay busy
    #expect(eventually(within: 10) { (try? HTTPClient(timeoutSeconds: 1).send("GET", url)) == nil })
    held.removeFirst()
    #expect(eventually(within: 10) { (try? HTTPClient(timeoutSeconds: 1).send("GET", url))?.status == 200 })
    _ = held
  }

  @Test func idleConnectionIsClosedAfterTimeout() throws {
    let s = try server { $0.timeoutSeconds = 1 }
    defer { s.shutdown(grace: 1) }
    let c = try RawSocketClient(port: s.port)
    c.write("GET / HTTP/1.1\r\nHost: x\r\n")  // never finished
    let start = systemMonotonicSeconds()
    // read(until:) returns when the server closes the socket (recv == 0).
    _ = c.read(timeout: 5) { _ in false }
    let elapsed = systemMonotonicSeconds() - start
    #expect(c.closed && elapsed >= 0.5 && elapsed < 4.5, "closed after \(elapsed) s")
  }

  @Test func chunkedBodyOverLimitIs413() throws {
    let s = try server { $0.maxBodyBytes = 1024 }
    defer { s.shutdown(grace: 1) }
    let c = try RawSocketClient(port: s.port)
    let chunk = String(repeating: "a", count: 800)
    c.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    c.write("320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n0\r\n\r\n")
    #expect(c.read { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") })
    #expect(c.text.hasPrefix("HTTP/1.1 413"))
    let ok = try RawSocketClient(port: s.port)
    ok.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n\(chunk)\r\n0\r\n\r\n")
    #expect(ok.read { String(decoding: $0, as: UTF8.self).contains("got 800") })
    // Far over the limit: the connection is dropped instead of draining the whole body.
    let flood = try RawSocketClient(port: s.port)
    flood.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    for _ in 0..<8 { flood.write("320\r\n\(chunk)\r\n") }
    _ = flood.read(timeout: 5) { _ in false }  // returns once the server closes
    #expect(flood.closed && !flood.text.contains("HTTP/1.1"))
  }
}
