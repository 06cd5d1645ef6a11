/// RFC 6455 framing: the accept key, and encoding/decoding of single frames.
public enum WebSocketFrame {
  public enum Opcode: UInt8, Sendable { case continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 }

  /// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`.
  public static func acceptKey(for key: String) -> String {
    let digest = Crypto.sha1(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))
    return Base64.encode(digest)
  }

  /// One unfragmented frame; clients must set `mask`, servers must not.
  public static func encode(_ opcode: Opcode, _ payload: [UInt8], mask: [UInt8]? = nil) -> [UInt8] {
    var out: [UInt8] = [0x80 | opcode.rawValue]
    let maskBit: UInt8 = mask == nil ? 0 : 0x80
    if payload.count < 126 {
      out.append(maskBit | UInt8(payload.count))
    } else if payload.count <= 0xffff {
      out.append(maskBit | 126)
      out += [UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
    } else {
      out.append(maskBit | 127)
      for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((payload.count >> shift) & 0xff)) }
    }
    if let mask {
      out += mask
      out += payload.enumerated().map { $1 ^ mask[$0 % 4] }
    } else {
      out += payload
    }
    return out
  }

  /// Decodes one frame from the front of `buffer`; returns nil when more bytes are needed.
  public static func decode(_ buffer: [UInt8]) -> (opcode: UInt8, fin: Bool, payload: [UInt8], consumed: Int)? {
    guard buffer.count >= 2 else { return nil }
    let fin = buffer[0] & 0x80 != 0
    let opcode = buffer[0] & 0x0f
    let masked = buffer[1] & 0x80 != 0
    var length = Int(buffer[1] & 0x7f)
    var i = 2
    if length == 126 {
      guard buffer.count >= 4 else { return nil }
      length = Int(buffer[2]) << 8 | Int(buffer[3])
      i = 4
    } else if length == 127 {
      guard buffer.count >= 10 else { return nil }
      length = buffer[2..<10].reduce(0) { $0 << 8 | Int($1) }
      i = 10
    }
    var mask: [UInt8] = []
    if masked {
      guard buffer.count >= i + 4 else { return nil }
      mask = Array(buffer[i..<i + 4])
      i += 4
    }
    guard length >= 0, buffer.count >= i + length else { return nil }
    var payload = Array(buffer[i..<i + length])
    if masked { for j in 0..<payload.count { payload[j] ^= mask[j % 4] } }
    return (opcode, fin, payload, i + length)
  }
}

/// Standard base64, for the WebSocket accept key.
public enum Base64 {
  public static func encode(_ bytes: [UInt8]) -> String {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
      let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
      out.append(table[Int(b0 >> 2)])
      out.append(table[Int((b0 & 3) << 4 | b1 >> 4)])
      out.append(i + 1 < bytes.count ? table[Int((b1 & 0xf) << 2 | b2 >> 6)] : UInt8(ascii: "="))
      out.append(i + 2 < bytes.count ? table[Int(b2 & 0x3f)] : UInt8(ascii: "="))
      i += 3
    }
    return String(decoding: out, as: UTF8.self)
  }
}
