import Foundation
import Essentials

/// Writes one JSON object per line to stdout in pino's shape (what the peer's operators parse): `level` as pino's
/// number (20 debug, 30 info, 40 warn, 50 error), `time` in epoch milliseconds, `pid`, `hostname`, `msg`, then the
/// caller's fields (a field whose value is a list of pairs is a nested object). Callers pass only non-secret fields;
/// tokens, keys and fingerprints are never handed to the logger, and the configuration's secret values are replaced
/// by `[redacted]` wherever they appear all the same (an upstream's error that echoes the API key).
public final class JSONLogger: Sendable {
  public enum Level: Int, Sendable, Comparable {
    case trace = 10, debug = 20, info = 30, warn = 40, error = 50, fatal = 60

    /// `LOG_LEVEL` as pino spells it; `silent` is above every level.
    public static func named(_ name: String) -> Level?? {
      switch name.lowercased() {
      case "trace": .trace
      case "debug": .debug
      case "info": .info
      case "warn": .warn
      case "error": .error
      case "fatal": .fatal
      case "silent": .some(nil)
      default: nil
      }
    }

    public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
  }

  /// Fields of a nested object, in order.
  public typealias Fields = [(String, any Sendable)]

  private let lock = Locked(())
  /// Nil: silent.
  private let minimum: Level?
  private let sink: @Sendable (String) -> Void
  private let secrets: [String]
  private static let pid = Int(getpid())
  private static let hostname: String = {
    var buf = [CChar](repeating: 0, count: 256)
    return gethostname(&buf, buf.count) == 0 ? String(cString: buf) : "unknown"
  }()

  public init(minimum: Level? = .info, secrets: [String] = [], sink: (@Sendable (String) -> Void)? = nil) {
    self.minimum = minimum
    // Longest first, so that a secret containing another is replaced whole; too short to be a secret: left.
    self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
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

  /// Whether a line at `level` is written (callers skip building costly fields otherwise).
  public func enabled(_ level: Level) -> Bool { minimum.map { level >= $0 } ?? false }

  /// Emits a log line: `level`, `time`, `pid`, `hostname`, `msg`, then the given fields in the caller's order.
  public func log(_ level: Level, _ msg: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) {
    guard enabled(level) else { return }
    var all: Fields = [("level", level.rawValue), ("time", Self.epochMilliseconds()), ("pid", Self.pid), ("hostname", Self.hostname), ("msg", msg)]
    all.reserveCapacity(5 + fields.count)
    for (k, v) in fields { all.append((k, v)) }
    var line: [UInt8] = []
    line.reserveCapacity(256)
    Self.appendObject(all, to: &line)
    line += "\n".utf8
    var text = String(decoding: line, as: UTF8.self)
    for secret in secrets where text.contains(secret) { text = text.replacingOccurrences(of: secret, with: "[redacted]") }
    lock.withLock { _ in sink(text) }
  }

  static func appendObject(_ fields: Fields, to line: inout [UInt8]) {
    line.append(UInt8(ascii: "{"))
    for (i, (k, v)) in fields.enumerated() {
      if i > 0 { line.append(UInt8(ascii: ",")) }
      appendString(k, to: &line)
      line.append(UInt8(ascii: ":"))
      switch v {
      case let b as Bool: line += (b ? "true" : "false").utf8
      case let n as Int: line += String(n).utf8
      case let d as Double: line += (d.isFinite ? String(d) : "null").utf8
      case let s as String: appendString(s, to: &line)
      case let nested as Fields: appendObject(nested, to: &line)
      default: appendString(String(describing: v), to: &line)
      }
    }
    line.append(UInt8(ascii: "}"))
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

  public func debug(_ msg: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) { log(.debug, msg, fields) }
  public func info(_ msg: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) { log(.info, msg, fields) }
  public func warn(_ msg: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) { log(.warn, msg, fields) }
  public func error(_ msg: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) { log(.error, msg, fields) }

  static func epochMilliseconds() -> Int {
    var tv = timeval()
    gettimeofday(&tv, nil)
    return Int(tv.tv_sec) * 1000 + Int(tv.tv_usec) / 1000
  }

  /// `2026-11-30T17:05:00.123Z` (alerts and webhooks carry ISO times).
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
