import Foundation
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// Where output goes: stdout for results, stderr for errors and progress chatter; colours only on a TTY without NO_COLOR.
final class Terminal: @unchecked Sendable {
  let style: Style
  let stdinIsTTY: Bool
  let stdoutIsTTY: Bool
  let redactor: Redactor
  /// Where `out` writes: stdout, or stderr while stdout carries JSON events (`apply --json`).
  let resultsFD: Int32
  /// How whole lines are written: as they are, after a timestamp, or as JSON objects (the controller's log).
  let lines: LineFormat
  private let lock = NSLock()
  /// The unfinished line of each descriptor, while lines are formatted.
  private var partial: [Int32: String] = [:]
  /// The time before each formatted line (used under `lock`).
  private let clock: ISO8601DateFormatter = {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f
  }()

  enum LineFormat: Sendable {
    case plain
    /// `2026-11-30T19:10:13.123Z ` before each line.
    case timestamped
    /// `{"time":…,"level":"info|warn|error","msg":…}` per line, empty lines left out.
    case json
  }

  init(noColor: Bool, redactor: Redactor = Redactor(secrets: [])) {
    stdoutIsTTY = isatty(1) == 1
    stdinIsTTY = isatty(0) == 1
    let env = ProcessInfo.processInfo.environment
    style = Style(enabled: stdoutIsTTY && !noColor && env["NO_COLOR"] == nil && env["TERM"] != "dumb")
    self.redactor = redactor
    resultsFD = 1
    lines = .plain
  }

  init(copying t: Terminal, redactor: Redactor, resultsToStderr: Bool? = nil, lines: LineFormat? = nil) {
    self.lines = lines ?? t.lines
    style = (resultsToStderr ?? (t.resultsFD == 2)) || self.lines == .json ? Style(enabled: false) : t.style
    stdinIsTTY = t.stdinIsTTY
    stdoutIsTTY = t.stdoutIsTTY
    self.redactor = redactor
    resultsFD = (resultsToStderr ?? (t.resultsFD == 2)) ? 2 : 1
  }

  func out(_ s: String) { write(resultsFD, s) }
  /// One line of machine-readable output, always on stdout (redacted like the rest).
  func json(_ line: String) { write(1, line + "\n") }
  func err(_ s: String) { write(2, s) }

  func error(_ message: String) {
    err((style.enabled ? style.red("error:") : "error:") + " " + message + "\n")
  }

  func warning(_ message: String) {
    err((style.enabled ? style.yellow("warning:") : "warning:") + " " + message + "\n")
  }

  private func write(_ fd: Int32, _ s: String) {
    var text = redactor.redact(s)
    lock.lock()
    defer { lock.unlock() }
    if lines != .plain {
      var whole = ((partial[fd] ?? "") + text).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      partial[fd] = whole.removeLast()
      text = whole.map { format($0, fd: fd) }.joined()
    }
    var bytes = Array(text.utf8)
    var off = 0
    while off < bytes.count {
      let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + off, $0.count - off) }
      if n <= 0 { break }
      off += n
    }
  }

  private func format(_ line: String, fd: Int32) -> String {
    let time = clock.string(from: Date())
    switch lines {
    case .plain: return line + "\n"
    case .timestamped: return line.isEmpty ? "\n" : "\(time) \(line)\n"
    case .json:
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard !trimmed.isEmpty else { return "" }
      let level = trimmed.hasPrefix("error:") ? "error" : trimmed.hasPrefix("warning:") ? "warn" : "info"
      let data = (try? JSONSerialization.data(withJSONObject: ["time": time, "level": level, "msg": line], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
      return String(decoding: data, as: UTF8.self) + "\n"
    }
  }

  /// Asks on the TTY; true only for the answer `yes`.
  func confirm(_ question: String) -> Bool {
    out(question + "\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
    return readLine()?.trimmingCharacters(in: .whitespaces) == "yes"
  }
}
