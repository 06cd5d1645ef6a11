import Foundation
import ReconcileCore

/// Where a scheduled run finds reconcile: the binary, the manifests and the state directory (all absolute), the
/// other global options the apply ran with (templates, env file, secrets directory: a scheduled run reads the same
/// manifests the same way) and the environment it needs (`DOCKER_HOST`, which cron does not give), and where each
/// job keeps its definition, environment and run records (`STATE/jobs/NAME/`).
public struct JobPaths: Sendable, Hashable {
  public var binary: String
  public var manifests: String
  public var state: String
  /// `--templates DIR`, `--env-file F`, `--secrets-dir D`, with absolute paths.
  public var options: [String]
  /// Variables a scheduled run gets besides the job's own (`DOCKER_HOST`).
  public var environment: [String: String]

  public init(binary: String, manifests: String, state: String, options: [String] = [], environment: [String: String] = [:]) {
    self.binary = Self.absolute(binary)
    self.manifests = Self.absolute(manifests)
    self.state = Self.absolute(state)
    self.options = options
    self.environment = environment
  }

  /// The global options of this command line a scheduled run must repeat, paths made absolute.
  public static func options(templates: [String], envFile: String?, secretsDir: String?) -> [String] {
    templates.flatMap { ["--templates", absolute($0)] } + (envFile.map { ["--env-file", absolute($0)] } ?? [])
      + (secretsDir.map { ["--secrets-dir", absolute($0)] } ?? [])
  }

  /// What of this process's environment a scheduled run needs.
  public static func passedEnvironment(_ environment: [String: String]) -> [String: String] {
    environment.filter { $0.key == "DOCKER_HOST" && !$0.value.isEmpty }
  }

  /// This process's executable (`/proc/self/exe`), unless `RECONCILE_BINARY` names another.
  public static func currentBinary(environment: [String: String]) -> String {
    if let b = environment["RECONCILE_BINARY"], !b.isEmpty { return b }
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return exe }
    return CommandLine.arguments[0]
  }

  public static func absolute(_ p: String) -> String {
    let full = p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
    return URL(fileURLWithPath: full).standardizedFileURL.path
  }

  public func directory(of job: String) -> String { "\(state)/jobs/\(job)" }
  public func definition(of job: String) -> String { "\(directory(of: job))/job.json" }
  public func environment(of job: String) -> String { "\(directory(of: job))/env" }
  public func runs(of job: String) -> String { "\(directory(of: job))/runs.jsonl" }
  public func lock(of job: String) -> String { "\(directory(of: job))/lock" }

  /// `reconcile run-job NAME --manifests M --state S` as argv.
  public func runJob(_ job: String) -> [String] { [binary, "run-job", job, "--manifests", manifests, "--state", state] + options }

  /// `reconcile backup run NAME --manifests M --state S` as argv.
  public func runBackup(_ name: String) -> [String] { [binary, "backup", "run", name, "--manifests", manifests, "--state", state] + options }
}

/// What `run-job` executes, written at apply time: the command, user, directory, timeout and overlap policy,
/// plus the applied attributes (what observation reports). Secrets live only in the 0600 env file beside it.
public struct JobDefinition: Codable, Sendable, Hashable {
  public var id: String
  public var argv: [String]
  public var user: String
  public var workingDirectory: String?
  public var timeout: Double?
  public var noOverlap: Bool
  public var attributes: [String: String]
  public var installedAt: Date
  /// Variables of the apply's environment the run needs (`DOCKER_HOST`); nil in definitions written before.
  public var environment: [String: String]?

  public static func of(_ job: JobSpec, paths: JobPaths, at time: Date) -> JobDefinition {
    let argv: [String]
    switch job.command {
    case .shell(let s): argv = ["/bin/sh", "-c", s]
    case .backup(let name): argv = paths.runBackup(name)
    }
    var attrs: [String: String] = [:]
    for a in job.attributes where a.name != "environment" { attrs[a.name] = a.value }
    return JobDefinition(
      id: job.id.description, argv: argv, user: job.user, workingDirectory: job.workingDirectory, timeout: job.timeout, noOverlap: job.noOverlap, attributes: attrs,
      installedAt: time, environment: paths.environment.isEmpty ? nil : paths.environment)
  }

  /// The state directory's JSON conventions (pretty, sorted keys, ISO 8601 dates).
  static var encoder: JSONEncoder { JSONStateStore.encoder }
  static var decoder: JSONDecoder { JSONStateStore.decoder }

  /// Reads `job.json`; nil when the job was never installed.
  public static func load(_ path: String) throws -> JobDefinition? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    do {
      return try decoder.decode(JobDefinition.self, from: data)
    } catch {
      throw OperationError(doing: "read the job definition '\(path)'", "\(error)")
    }
  }
}
