import Foundation

/// Writes one JSON object per line to stdout. Callers pass only non-secret fields;
/// tokens, keys and fingerprints are never handed to the logger.
public final class JSONLogger: Sendable {
  public enum Level: String, Sendable { case debug, info, warn, error }

  private let lock = Locked(())
  private let minimum: Level
  private let sink: @Sendable (String) -> Void

  public init(minimum: Level = .info, sink: (@Sendable (String) -> Void)? = nil) {
    self.minimum = minimum
    self.sink = sink ?? { line in
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

  /// Emits a log line with `level`, `time`, `msg` and the given fields.
  public func log(_ level: Level, _ msg: String, _ fields: [String: any Sendable] = [:]) {
    if Self.rank(level) < Self.rank(minimum) { return }
    var obj: [String: Any] = ["level": level.rawValue, "time": Self.timestamp(), "msg": msg]
    for (k, v) in fields { obj[k] = v }
    guard let data = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
    let line = String(decoding: data, as: UTF8.self) + "\n"
    lock.withLock { _ in sink(line) }
  }

  public func info(_ msg: String, _ fields: [String: any Sendable] = [:]) { log(.info, msg, fields) }
  public func warn(_ msg: String, _ fields: [String: any Sendable] = [:]) { log(.warn, msg, fields) }
  public func error(_ msg: String, _ fields: [String: any Sendable] = [:]) { log(.error, msg, fields) }

  private static func rank(_ l: Level) -> Int {
    switch l { case .debug: 0; case .info: 1; case .warn: 2; case .error: 3 }
  }

  static func timestamp() -> String {
    var tv = timeval()
    gettimeofday(&tv, nil)
    var t = tv.tv_sec
    var tmv = tm()
    gmtime_r(&t, &tmv)
    return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tmv.tm_year + 1900, tmv.tm_mon + 1,
                  tmv.tm_mday, tmv.tm_hour, tmv.tm_min, tmv.tm_sec, Int(tv.tv_usec / 1000))
  }
}
