/// Percent-encoding of a URL's parts on UTF-8 bytes (RFC 3986): ASCII letters, digits and `-._~` stay as they are,
/// and the ASCII characters `alsoKept` names; every other byte becomes `%XX`. (Foundation's `addingPercentEncoding`
/// built a character set at every call: a tenth of what planning 500 containers spent outside the Engine.)
public enum PercentEncoding {
  public static func encode(_ text: String, keeping alsoKept: StaticString = "") -> String {
    let extra = UnsafeBufferPointer(start: alsoKept.utf8Start, count: alsoKept.utf8CodeUnitCount)
    func kept(_ byte: UInt8) -> Bool {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
        UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
        return true
      default:
        return extra.contains(byte)
      }
    }
    if text.utf8.allSatisfy(kept) { return text }
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count * 3)
    for byte in text.utf8 {
      if kept(byte) {
        out.append(byte)
      } else {
        out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}
