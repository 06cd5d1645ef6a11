import Foundation

/// A published port: `[IP:]HOST:CONTAINER[/proto]`.
public struct PortMapping: Sendable, Hashable {
  public var hostIP: String
  public var hostPort: Int
  public var containerPort: Int
  public var proto: String

  /// Parses `127.0.0.1:8080:80/tcp`, `8080:80`, `8080:80/udp`; nil when malformed.
  public init?(parsing text: String) {
    var body = Substring(text)
    var proto = "tcp"
    if let slash = body.lastIndex(of: "/") {
      proto = String(body[body.index(after: slash)...])
      body = body[..<slash]
      guard ["tcp", "udp", "sctp"].contains(proto) else { return nil }
    }
    let parts = body.split(separator: ":", omittingEmptySubsequences: false)
    let ip: Substring
    switch parts.count {
    case 2: ip = ""
    case 3: ip = parts[0]
    default: return nil
    }
    guard let host = Int(parts[parts.count - 2]), let container = Int(parts[parts.count - 1]),
      (1...65535).contains(host), (1...65535).contains(container)
    else { return nil }
    if !ip.isEmpty {
      let octets = ip.split(separator: ".", omittingEmptySubsequences: false)
      guard octets.count == 4, octets.allSatisfy({ Int($0).map { (0...255).contains($0) } ?? false }) else { return nil }
    }
    self.hostIP = String(ip)
    self.hostPort = host
    self.containerPort = container
    self.proto = proto
  }

  /// `127.0.0.1:8080:80/tcp`, or `8080:80/tcp` without an address.
  public var canonical: String {
    (hostIP.isEmpty ? "" : hostIP + ":") + "\(hostPort):\(containerPort)/\(proto)"
  }
}

/// Sizes (`64m`, `1g`, `512k`, `1048576`) and CPU counts in one canonical spelling.
public enum ResourceQuantity {
  /// The largest size any field takes (1 TiB): far above a container's memory, far below what Int holds.
  public static let largestBytes = 1 << 40

  /// Bytes from `64m`, `64MiB`, `1g`, `512k` or a plain number of bytes; nil for a size no Int holds.
  public static func bytes(_ text: String) -> Int? {
    let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
    let units: [(String, Int)] = [
      ("gib", 1 << 30), ("mib", 1 << 20), ("kib", 1 << 10), ("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10),
      ("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10), ("b", 1),
    ]
    for (suffix, factor) in units where lower.hasSuffix(suffix) {
      guard let n = Double(lower.dropLast(suffix.count)), n > 0 else { return nil }
      return Int(exactly: (n * Double(factor)).rounded())
    }
    guard let n = Int(lower), n > 0 else { return nil }
    return n
  }

  /// `64MiB`, `1GiB`, `1536KiB`, `1000B`.
  public static func format(bytes: Int) -> String {
    for (unit, factor) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes % factor == 0 {
      return "\(bytes / factor)\(unit)"
    }
    return "\(bytes)B"
  }

  /// `0.5`, `2`, `1.25` from nano-CPUs.
  public static func format(nanoCPUs: Int) -> String {
    var text = String(format: "%.3f", Double(nanoCPUs) / 1e9)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
  }

  /// `30s`, `1m30s`, `250ms`: durations shown the way the manifest writes them.
  public static func format(seconds: Double) -> String {
    if seconds < 1, seconds > 0 { return "\(Int((seconds * 1000).rounded()))ms" }
    var rest = Int(seconds.rounded())
    var out = ""
    if rest >= 3600 { out += "\(rest / 3600)h"; rest %= 3600 }
    if rest >= 60 { out += "\(rest / 60)m"; rest %= 60 }
    if rest > 0 || out.isEmpty { out += "\(rest)s" }
    return out
  }
}

/// How a list of command words reads in a plan and in a label: `/bin/sh -c 'echo hi'`
/// (words with spaces or quotes are single-quoted, shell style, so the text is unambiguous).
enum CommandText {
  static func canonical(_ words: [String]) -> String {
    words.map(quote).joined(separator: " ")
  }

  /// Letters and digits (any script's) and `-_./:=@%+,` need no quotes.
  private static let plain = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./:=@%+,"))

  static func quote(_ word: String) -> String {
    if !word.isEmpty, word.unicodeScalars.allSatisfy({ $0.isASCII ? isPlainASCII(UInt8($0.value)) : plain.contains($0) }) {
      return word
    }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  private static func isPlainASCII(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
    default: "-_./:=@%+,".utf8.contains(byte)
    }
  }
}
