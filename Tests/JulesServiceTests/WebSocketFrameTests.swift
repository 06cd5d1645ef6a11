import Testing
@testable import JulesService

@Suite struct WebSocketFrameTests {
  @Test func acceptKeyFromRFC6455() {
    #expect(WebSocketFrame.acceptKey(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
  }

  @Test(arguments: [0, 5, 125, 126, 300, 65535, 65536, 70000])
  func roundTrip(size: Int) throws {
    let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7) }
    for mask in [nil, [UInt8]([1, 2, 3, 4])] {
      let frame = WebSocketFrame.encode(.text, payload, mask: mask)
      let d = try #require(WebSocketFrame.decode(frame))
      #expect(d.opcode == 1 && d.fin && d.payload == payload && d.consumed == frame.count)
      #expect(WebSocketFrame.decode(Array(frame.dropLast())) == nil)
    }
  }

  @Test func base64() {
    #expect(Base64.encode(Array("".utf8)) == "")
    #expect(Base64.encode(Array("f".utf8)) == "Zg==")
    #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
    #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
  }
}
