import Foundation
import Essentials

/// Writes one JSON object per line to stdout. Callers pass only non-secret fields;
/// tokens, keys and fingerprints are never handed to the logger.
public final class JSONLogger: Sendable {
  public enum Level: String, Sendable { case debug, info, warn, error }

  private let lock = Locked(())
  private let minimum: Level
  private let sink: @Sendable (String) -> Void

  public init(minimum: Level = .info, sink: (@Sendable (String) -> Void)? = nil) {
    self.minimum = minimum
    self.sink =
      sink ?? { line in
        var bytes = Array(line.utf8)
        var off = 0
        while off < bytes.count {
          let n = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress! + off, $0.count - off) }
          if n <= 0 { break }
          off += n
        }
        _ = bytes.count
        bytes.removeAll()
      }
  }

  /// Emits a log line: `level`, `time`, `msg`, then the given fields in the caller's order.
  public func log(_ level: Level, _ msg: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) {
    if Self.rank(level) < Self.rank(minimum) { return }
    var all: [(String, any Sendable)] = [("level", level.rawValue), ("time", Self.timestamp()), ("msg", msg)]
    all.reserveCapacity(3 + fields.count)
    for (k, v) in fields { all.append((k, v)) }
    var line: [UInt8] = [UInt8(ascii: "{")]
    line.reserveCapacity(256)
    for (i, (k, v)) in all.enumerated() {
      if i > 0 { line.append(UInt8(ascii: ",")) }
      Self.appendString(k, to: &line)
      line.append(UInt8(ascii: ":"))
      switch v {
      case let b as Bool: line += (b ? "true" : "false").utf8
      case let n as Int: line += String(n).utf8
      case let d as Double: line += (d.isFinite ? String(d) : "null").utf8
      case let s as String: Self.appendString(s, to: &line)
      default: Self.appendString(String(describing: v), to: &line)
      }
    }
    line += "}\n".utf8
    let text = String(decoding: line, as: UTF8.self)
    lock.withLock { _ in sink(text) }
  }

  /// Appends `s` as a JSON string literal (UTF-8 passes through; quotes, backslashes and controls are escaped).
  static func appendString(_ s: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for b in s.utf8 {
      switch b {
      case UInt8(ascii: "\""): out += [92, 34]
      case UInt8(ascii: "\\"): out += [92, 92]
      case 0x0a: out += [92, UInt8(ascii: "n")]
      case 0x0d: out += [92, UInt8(ascii: "r")]
      case 0x09: out += [92, UInt8(ascii: "t")]
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        out += [92, UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 0xf)]]
      default: out.append(b)
      }
    }
    out.append(UInt8(ascii: "\""))
  }

  public func info(_ msg: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) { log(.info, msg, fields) }
  public func warn(_ msg: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) { log(.warn, msg, fields) }
  public func error(_ msg: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) { log(.error, msg, fields) }

  private static func rank(_ l: Level) -> Int {
    switch l {
    case .debug: 0;
    case .info: 1;
    case .warn: 2;
    case .error: 3
    }
  }

  static func timestamp() -> String {
    var tv = timeval()
    gettimeofday(&tv, nil)
    var t = tv.tv_sec
    var tmv = tm()
    gmtime_r(&t, &tmv)
    func pad(_ v: Int, _ width: Int) -> String {
      let s = String(v)
      return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
    return pad(Int(tmv.tm_year) + 1900, 4) + "-" + pad(Int(tmv.tm_mon) + 1, 2) + "-" + pad(Int(tmv.tm_mday), 2) + "T"
      + pad(Int(tmv.tm_hour), 2) + ":" + pad(Int(tmv.tm_min), 2) + ":" + pad(Int(tmv.tm_sec), 2) + "."
      + pad(Int(tv.tv_usec) / 1000, 3) + "Z"
  }
}
