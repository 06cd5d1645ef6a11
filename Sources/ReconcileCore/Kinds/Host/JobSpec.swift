import Foundation

/// `job`: a command on a schedule, run through `reconcile run-job NAME`, which records every run.
/// Installed as a file in `/etc/cron.d` (runner `cron`) or as a service plus a timer (runner `systemd`).
public struct JobSpec: ResourceSpec {
  public enum Runner: String, Sendable { case cron, systemd }

  /// What a run executes: a shell command, or a backup (`reconcile backup run NAME`).
  public enum Command: Sendable, Hashable {
    case shell(String)
    case backup(String)

    public var display: String {
      switch self {
      case .shell(let s): s
      case .backup(let name): "reconcile backup run \(name)"
      }
    }
  }

  public let id: ResourceID
  public let schedule: CronSchedule
  public let command: Command
  public let user: String
  public let workingDirectory: String?
  /// Environment of each run; written to a 0600 env file the wrapper reads, never into the cron line.
  public let environment: [String: Text]
  public let timeout: Double?
  public let noOverlap: Bool
  public let runner: Runner
  public let cronDirectory: String
  public let systemd: SystemdTarget
  /// Consecutive failures after which the failure is reported.
  public let failuresBeforeAlert: Int
  /// How old the last success may be before it is drift (default: the schedule's interval plus timeout plus 2 minutes).
  public let maxAge: Double?
  /// `ensure: absent`: the job is declared but not installed (and removed when it was).
  public internal(set) var absent = false
  /// Shown and compared in place of the job fields when a backup owns this job.
  let extraAttributes: [Attribute]

  public init(
    id: ResourceID, schedule: CronSchedule, command: Command, user: String = "root", workingDirectory: String? = nil, environment: [String: Text] = [:], timeout: Double? = nil,
    noOverlap: Bool = true, runner: Runner = .cron, cronDirectory: String = "/etc/cron.d", systemd: SystemdTarget = SystemdTarget(), failuresBeforeAlert: Int = 3,
    maxAge: Double? = nil, extraAttributes: [Attribute] = []
  ) {
    self.id = id
    self.schedule = schedule
    self.command = command
    self.user = user
    self.workingDirectory = workingDirectory
    self.environment = environment
    self.timeout = timeout
    self.noOverlap = noOverlap
    self.runner = runner
    self.cronDirectory = cronDirectory
    self.systemd = systemd
    self.failuresBeforeAlert = failuresBeforeAlert
    self.maxAge = maxAge
    self.extraAttributes = extraAttributes
  }

  // `runner`, `cronDirectory` and the unit directory are in the locator: changing them replaces the job.

  /// The name of the run records and of the installed artifacts: `sync-notes` for `job/sync-notes`, `backup-db` for `backup/db`.
  public var jobName: String { id.kind == "job" ? id.name : "\(id.kind)-\(id.name)" }

  /// The `/etc/cron.d` file name: cron ignores names with dots, so anything but letters, digits, `-` and `_` becomes `_`.
  public var cronFileName: String { Self.fileName(forJob: jobName) }

  /// `reconcile-NAME` with every character but ASCII letters, digits, `-` and `_` replaced by `_`.
  public static func fileName(forJob name: String) -> String {
    "reconcile-" + String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
  }

  /// `reconcile-NAME` for the systemd runner's `.service` and `.timer`.
  public var unitBaseName: String { cronFileName }

  public var locator: [String: String] {
    var l = ["job": jobName, "runner": runner.rawValue]
    switch runner {
    case .cron: l["cronDirectory"] = cronDirectory
    case .systemd: l.merge(systemd.locator) { a, _ in a }
    }
    return l
  }

  /// Lateness beyond which the last success is drift.
  public var lateAfter: Double { maxAge ?? (schedule.interval + (timeout ?? 0) + 120) }

  public var environmentText: Text {
    let lines = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.value)\n" }.joined()
    return Text(lines, sensitive: environment.values.contains { $0.isSensitive })
  }

  public var attributes: [Attribute] {
    var out = [Attribute("schedule", schedule.text)]
    out += extraAttributes
    if extraAttributes.isEmpty { out.append(Attribute("command", command.display)) }
    out.append(Attribute("user", user))
    if let workingDirectory { out.append(Attribute("workingDirectory", workingDirectory)) }
    if !environment.isEmpty {
      let env = environmentText
      out.append(Attribute("environment", env.value, sensitive: env.isSensitive, style: .content))
    }
    if let timeout { out.append(Attribute("timeout", DurationText.format(timeout))) }
    out.append(Attribute("noOverlap", noOverlap ? "true" : "false"))
    return out
  }

  /// Drift of the runs (facts `lastSuccess`, `installedAt`, `failures`, `lastStatus` from the run records) and of
  /// the installed artifact (fact `artifact`).
  public var wantsAbsent: Bool { absent }

  public func findings(observed: Observation, context: FindingContext) -> [Finding] {
    let now = context.now
    var out: [Finding] = []
    if let changed = observed.facts[.artifact] {
      out.append(Finding(.artifactChanged(changed), effect: .update))
    }
    out += RunHealth(facts: observed.facts).findings(expected: schedule.interval, lateAfter: lateAfter, failuresBeforeAlert: failuresBeforeAlert, now: now, what: .success)
    return out
  }

  public static let descriptor = KindDescriptor(name: "job") { id, r, _ in
    let schedule = readSchedule(&r)
    let command = r.string("command", required: true)
    if let command, command.contains("\n") { r.report("command", "expected one line, got a newline") }
    let f = readCommon(&r, schedule: schedule)
    let ensure = r.choice("ensure", ["present", "absent"]) ?? "present"
    guard let schedule, let command else { return nil }
    var job = JobSpec(
      id: id, schedule: schedule, command: .shell(command), user: f.user, workingDirectory: f.workingDirectory, environment: f.environment, timeout: f.timeout,
      noOverlap: f.noOverlap, runner: f.runner, cronDirectory: f.cronDirectory, systemd: f.systemd, failuresBeforeAlert: f.failuresBeforeAlert, maxAge: f.maxAge)
    job.absent = ensure == "absent"
    return job
  }

  static func readSchedule(_ r: inout FieldReader) -> CronSchedule? {
    guard let text = r.string("schedule", required: true) else { return nil }
    do {
      return try CronSchedule(parsing: text)
    } catch {
      r.report("schedule", error.description)
      return nil
    }
  }

  /// The fields a job and a backup share.
  struct Common {
    var user = "root"
    var workingDirectory: String?
    var environment: [String: Text] = [:]
    var timeout: Double?
    var noOverlap = true
    var runner = Runner.cron
    var cronDirectory = "/etc/cron.d"
    var systemd = SystemdTarget()
    var failuresBeforeAlert = 3
    var maxAge: Double?
  }

  static func readCommon(_ r: inout FieldReader, schedule: CronSchedule?, commandFields: Bool = true) -> Common {
    var c = Common()
    if commandFields { readCommandFields(&r, into: &c) }
    c.timeout = r.duration("timeout")
    c.runner = r.choice("runner", ["cron", "systemd"]).flatMap(Runner.init(rawValue:)) ?? .cron
    if let d = r.string("cronDirectory") {
      if !d.hasPrefix("/") { r.report("cronDirectory", "expected an absolute path, got '\(d)'") }
      c.cronDirectory = d
    }
    c.systemd = SystemdTarget.read(&r)
    c.failuresBeforeAlert = r.int("failuresBeforeAlert", in: 1...1000) ?? 3
    c.maxAge = r.duration("maxAge")
    if c.runner == .systemd, let schedule {
      do { _ = try schedule.onCalendar() } catch { r.report("schedule", error.description) }
    }
    return c
  }

  /// `user`, `workingDirectory`, `environment` and `noOverlap`: only a job's own command has them.
  static func readCommandFields(_ r: inout FieldReader, into c: inout Common) {
    if let u = r.string("user") {
      if u.isEmpty || u.contains(where: { $0 == " " || $0 == ":" || $0 == "'" }) { r.report("user", "expected a user name, got '\(u)'") }
      c.user = u
    }
    if let d = r.string("workingDirectory") {
      if !d.hasPrefix("/") { r.report("workingDirectory", "expected an absolute path, got '\(d)'") }
      c.workingDirectory = d
    }
    for (k, v) in r.textMap("environment") ?? [:] {
      if k.isEmpty || !k.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) || k.first!.isNumber {
        r.report("environment.\(k)", "expected a variable name of letters, digits and '_'")
      } else if v.value.contains("\n") {
        r.report("environment.\(k)", "expected one line, got a newline")
      }
      c.environment[k] = v
    }
    c.noOverlap = r.bool("noOverlap") ?? true
  }
}
