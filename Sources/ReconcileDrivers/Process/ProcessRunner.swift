import CSpawn
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
    let what = "run `\(argv.joined(separator: " "))`"
    // Combined output through one pipe (only standard error when standard output goes to `file`).
    var pipe: [Int32] = [-1, -1]
    guard rc_pipe_cloexec(&pipe) == 0 else { throw OperationError(doing: what, cause: .io(path: "pipe", errno: errno, call: "pipe2")) }
    var out: Int32 = -1
    defer {
      for fd in [pipe[0], pipe[1], out] where fd >= 0 { close(fd) }
    }
    if let file {
      out = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
      guard out >= 0 else { throw OperationError(doing: what, cause: .io(path: file, errno: errno, call: "open")) }
    }
    let pid = try spawn(argv, in: directory, environment: environment, standardOutput: out >= 0 ? out : pipe[1], standardError: pipe[1], doing: what)
    close(pipe[1])
    pipe[1] = -1
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let n = buffer.withUnsafeMutableBytes { read(pipe[0], $0.baseAddress, $0.count) }
      if n > 0 {
        output += buffer[0..<n]
      } else if n == 0 || errno != EINTR {
        break
      }
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    // Exited: its exit code; killed: the signal's number (as Foundation's Process reported it).
    let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : status & 0x7f
    return ProcessResult(argv: argv, status: code, output: String(decoding: output, as: UTF8.self))
  }

  /// posix_spawn with the child's standard input on /dev/null, its output on the given descriptors, every other
  /// descriptor closed (glibc's closefrom action: the parent's descriptors are not listed, so threads opening and
  /// closing sockets meanwhile cannot disturb it) and its own process group. A relative command is found through
  /// `/usr/bin/env` on the child's PATH.
  static func spawn(
    _ argv: [String], in directory: String?, environment: [String: String]?, standardOutput: Int32, standardError: Int32, doing what: String
  ) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var problems = [
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0),
      posix_spawn_file_actions_adddup2(&actions, standardOutput, 1),
      posix_spawn_file_actions_adddup2(&actions, standardError, 2),
      rc_spawn_addclosefrom(&actions, 3),
      posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP)),
    ]
    if let directory { problems.append(rc_spawn_addchdir(&actions, directory)) }
    if let failed = problems.first(where: { $0 != 0 }) { throw OperationError(doing: what, cause: .io(path: argv[0], errno: failed, call: "posix_spawn")) }
    let words = (argv[0].hasPrefix("/") ? argv : ["/usr/bin/env"] + argv)
    let env = environment.map { e in e.map { "\($0.key)=\($0.value)" } } ?? ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
    var cArgs = words.map { strdup($0) } + [nil]
    var cEnv = env.map { strdup($0) } + [nil]
    defer {
      for p in cArgs { free(p) }
      for p in cEnv { free(p) }
    }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, words[0], &actions, &attributes, &cArgs, &cEnv)
    guard result == 0 else { throw OperationError(doing: what, cause: .io(path: words[0], errno: result, call: "posix_spawn")) }
    return pid
  }

  /// The git commit the directory is at, when it is inside a git work tree.
  public static func gitRevision(of directory: String) -> String? {
    guard let r = try? run(["git", "-C", directory, "rev-parse", "HEAD"]), r.status == 0 else { return nil }
    let rev = r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    return rev.count == 40 ? rev : nil
  }
}
