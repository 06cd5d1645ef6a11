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
  private let lock = NSLock()

  init(noColor: Bool, redactor: Redactor = Redactor(secrets: [])) {
    stdoutIsTTY = isatty(1) == 1
    stdinIsTTY = isatty(0) == 1
    let env = ProcessInfo.processInfo.environment
    style = Style(enabled: stdoutIsTTY && !noColor && env["NO_COLOR"] == nil && env["TERM"] != "dumb")
    self.redactor = redactor
    resultsFD = 1
  }

  init(copying t: Terminal, redactor: Redactor, resultsToStderr: Bool? = nil) {
    style = (resultsToStderr ?? (t.resultsFD == 2)) ? Style(enabled: false) : t.style
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
    let text = redactor.redact(s)
    lock.lock()
    defer { lock.unlock() }
    var bytes = Array(text.utf8)
    var off = 0
    while off < bytes.count {
      let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + off, $0.count - off) }
      if n <= 0 { break }
      off += n
    }
  }

  /// Asks on the TTY; true only for the answer `yes`.
  func confirm(_ question: String) -> Bool {
    out(question + "\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
    return readLine()?.trimmingCharacters(in: .whitespaces) == "yes"
  }
}
