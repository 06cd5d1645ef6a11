import Foundation
import ReconcileCore

/// A finished external command: argv, exit status and output.
public struct ProcessResult: Sendable {
  public var argv: [String]
  public var status: Int32
  public var output: String

  /// `could not OPERATION: MEANING: `argv` exited with status N:` and the output, indented, with secrets redacted.
  public func failure(
    doing operation: String? = nil, of subject: ResourceID? = nil, meaning: String? = nil, redactor: Redactor = Redactor(secrets: [])
  ) -> OperationError {
    let cause = OperationError.Cause.command(
      argv: argv.map(redactor.redact), status: status, output: redactor.redact(output), meaning: meaning.map(redactor.redact))
    return OperationError(doing: operation.map(redactor.redact), of: subject, cause: cause)
  }
}

/// Runs external commands (git, nginx -t, systemd-analyze, …) and captures their combined output.
public enum ProcessRunner {
  /// With `diesWithParent`, the command gets SIGKILL when this process ends however it ends (kill -9 included), through
  /// util-linux's `setpriv --pdeathsig` (the signal is tied to the spawning thread, which waits for the command).
  /// With `standardOutputTo`, the command's standard output goes to that file (created 0600) and only its standard
  /// error is the result's output (a database dump).
  public static func run(
    _ argv: [String], in directory: String? = nil, environment: [String: String]? = nil, diesWithParent: Bool = false,
    standardOutputTo file: String? = nil
  ) throws -> ProcessResult {
    if diesWithParent {
      let inner = try run(["setpriv", "--pdeathsig", "KILL", "--"] + argv, in: directory, environment: environment, standardOutputTo: file)
      return ProcessResult(argv: argv, status: inner.status, output: inner.output)
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: argv[0].hasPrefix("/") ? argv[0] : "/usr/bin/env")
    p.arguments = argv[0].hasPrefix("/") ? Array(argv.dropFirst()) : argv
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if let environment { p.environment = environment }
    let pipe = Pipe()
    p.standardError = pipe
    if let file {
      let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
      guard fd >= 0 else { throw OperationError(doing: "run `\(argv.joined(separator: " "))`", cause: .io(path: file, errno: errno, call: "open")) }
      p.standardOutput = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    } else {
      p.standardOutput = pipe
    }
    p.standardInput = FileHandle.nullDevice
    do {
      try p.run()
    } catch {
      throw OperationError(doing: "run `\(argv.joined(separator: " "))`", error.localizedDescription)
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return ProcessResult(argv: argv, status: p.terminationStatus, output: String(decoding: data, as: UTF8.self))
  }

  /// The git commit the directory is at, when it is inside a git work tree.
  public static func gitRevision(of directory: String) -> String? {
    guard let r = try? run(["git", "-C", directory, "rev-parse", "HEAD"]), r.status == 0 else { return nil }
    let rev = r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    return rev.count == 40 ? rev : nil
  }
}
