import Foundation
import HostSystems
import ReconcileCore

/// `reconcile run-job NAME`: runs an installed job once and records start, end, exit status and output tail.
/// Holds `STATE/jobs/NAME/lock` when the job has `noOverlap` (a run that finds it held is recorded as skipped),
/// reads the 0600 env file, runs as the job's user (`runuser`) under `timeout` when one is declared.
public struct JobRunner: Sendable {
  let paths: JobPaths

  public init(paths: JobPaths) { self.paths = paths }

  /// Runs the job; returns its exit status (0 for a skipped run). Throws when the job is not installed.
  public func run(_ name: String, now: @Sendable () -> Date = Date.init) throws -> (RunRecord, Int32) {
    guard let def = try JobDefinition.load(paths.definition(of: name)) else {
      throw OperationError(doing: "run job '\(name)'", "it is not installed (no '\(paths.definition(of: name))'); run 'reconcile apply' first")
    }
    let records = RunRecords(path: paths.runs(of: name))
    let start = now()
    let lock = try? FileLock(path: paths.lock(of: name))
    defer { lock?.release() }
    if def.noOverlap, (try? lock?.tryLock()) != true {
      let r = RunRecord(start: start, end: now(), status: nil, outcome: .skipped, outputTail: "skipped: the previous run still holds '\(paths.lock(of: name))'")
      try records.append(r)
      return (r, 0)
    }
    let environment = try self.environment(def, name: name)
    let redactor = Redactor(
      secrets: (HostFiles.read(paths.environment(of: name)) ?? "").split(separator: "\n").compactMap { $0.split(separator: "=", maxSplits: 1).last.map(String.init) })
    var argv = def.argv
    if getuid() == 0, def.user != "root" { argv = ["/usr/sbin/runuser", "-u", def.user, "--"] + argv }
    if let t = def.timeout { argv = ["/usr/bin/timeout", "--kill-after=10s", "\(Int(t.rounded(.up)))s"] + argv }
    let result: ProcessResult
    do {
      result = try ProcessRunner.run(argv, in: def.workingDirectory, environment: environment)
    } catch {
      result = ProcessResult(argv: argv, status: 127, output: "\(error)")
    }
    let outcome: RunRecord.Outcome = result.status == 0 ? .success : def.timeout != nil && (result.status == 124 || result.status == 137) ? .timeout : .failure
    let record = RunRecord(start: start, end: now(), status: result.status, outcome: outcome, outputTail: redactor.redact(Self.tail(result.output)))
    try records.append(record)
    return (record, result.status)
  }

  /// A minimal login-like environment plus the job's env file.
  func environment(_ def: JobDefinition, name: String) throws -> [String: String] {
    var env = ["PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "USER": def.user, "LOGNAME": def.user, "RECONCILE_JOB": name]
    env["HOME"] = getpwnam(def.user).map { String(cString: $0.pointee.pw_dir) } ?? "/"
    env["LANG"] = ProcessInfo.processInfo.environment["LANG"] ?? "C.UTF-8"
    for (k, v) in def.environment ?? [:] { env[k] = v }
    for line in (HostFiles.read(paths.environment(of: name)) ?? "").split(separator: "\n") {
      guard let eq = line.firstIndex(of: "=") else { continue }
      env[String(line[..<eq])] = String(line[line.index(after: eq)...])
    }
    return env
  }

  /// The last 4 KiB of the output, cut at a line start.
  static func tail(_ output: String) -> String {
    let bytes = Array(output.utf8)
    guard bytes.count > 4096 else { return output }
    var cut = bytes.count - 4096
    while cut < bytes.count, bytes[cut] != 0x0A { cut += 1 }
    return "…\n" + String(decoding: bytes[min(cut + 1, bytes.count)...], as: UTF8.self)
  }
}
