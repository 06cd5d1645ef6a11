import Foundation
import ReconcileCore

/// Installs scheduled jobs (kinds `job` and `backup`): the job definition and its 0600 env file in the state
/// directory, and the schedule as a cron file or a verified systemd service plus timer.
public struct JobDriver: KindDriver {
  let paths: JobPaths
  let redactor: @Sendable () -> Redactor

  public init(paths: JobPaths, redactor: @escaping @Sendable () -> Redactor = { Redactor(secrets: []) }) {
    self.paths = paths
    self.redactor = redactor
  }

  public var kinds: [String] { ["job", "backup"] }

  static func job(of spec: (any ResourceSpec)?) -> JobSpec? {
    (spec as? JobSpec) ?? (spec as? BackupSpec)?.job
  }

  /// Reads `job.json` and the env file, checks the installed schedule against what this build would write,
  /// and reads the run records (and, for backups, the newest verified archive).
  public func observe(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    var out: [ResourceID: Observation] = [:]
    for t in targets {
      guard let name = t.locator["job"] else { continue }
      guard let def = try JobDefinition.load(paths.definition(of: name)) else {
        // A job declared absent whose cron file is on the host (installed from another state directory) is removed.
        if let job = t.spec as? JobSpec, job.absent, job.runner == .cron, HostFiles.read(JobArtifacts(job: job, paths: paths).cronPath) != nil {
          out[t.id] = Observation(exists: true)
        } else {
          out[t.id] = .absent
        }
        continue
      }
      var attrs = def.attributes
      if let env = HostFiles.read(paths.environment(of: name)) { attrs["environment"] = env }
      var facts = RunRecords(path: paths.runs(of: name)).facts()
      facts[.installedAt] = String(def.installedAt.timeIntervalSince1970)
      if let job = Self.job(of: t.spec), let drift = try artifactDrift(job) { facts[.artifact] = drift }
      if let backup = t.spec as? BackupSpec, let good = BackupCatalog(directory: backup.archiveDirectory).newestVerified() {
        facts[.lastGood] = String(good.time.timeIntervalSince1970)
      }
      out[t.id] = Observation(exists: true, attributes: attrs, facts: facts)
    }
    return out
  }

  /// Why the installed schedule differs from what would be installed now, or nil.
  func artifactDrift(_ job: JobSpec) throws -> String? {
    let artifacts = JobArtifacts(job: job, paths: paths)
    switch job.runner {
    case .cron:
      guard let text = HostFiles.read(artifacts.cronPath) else { return "the cron file '\(artifacts.cronPath)' is missing" }
      return text == artifacts.cronFile ? nil : "the cron file '\(artifacts.cronPath)' differs from what reconcile installs"
    case .systemd:
      let system = TargetSystem(job.systemd)
      for (name, content) in try artifacts.unitFiles().sorted(by: { $0.key < $1.key }) {
        let path = "\(job.systemd.unitDirectory)/\(name)"
        guard let text = try system.read(path) else { return "the unit file '\(path)' is missing" }
        if text != content { return "the unit file '\(path)' differs from what reconcile installs" }
      }
      if system.systemdIsRunning() {
        let status = try UnitStatus.read(artifacts.timerName, in: system)
        if status.properties["ActiveState"] != "active" { return "the timer \(artifacts.timerName) is \(status.properties["ActiveState"] ?? "unknown"); will start it" }
      }
      return nil
    }
  }

  public func perform(_ step: Step) async throws {
    do {
      switch step.action {
      case .create, .update, .replace:
        guard let job = Self.job(of: step.desired) else { throw OperationError("the step carries no job spec") }
        if step.action == .replace, let prior = step.prior { try uninstall(prior.locator, keepDefinition: true) }
        try install(job)
      case .destroy:
        guard let locator = step.desired?.locator ?? step.prior?.locator else { return }
        try uninstall(locator, keepDefinition: false)
      }
    } catch let e as OperationError {
      throw e.within(step.action.rawValue, of: step.id)
    }
  }

  /// Writes the definition and env file, then the schedule (systemd units are verified before anything is written).
  func install(_ job: JobSpec) throws {
    let artifacts = JobArtifacts(job: job, paths: paths)
    var units: UnitFiles?
    if job.runner == .systemd {
      units = UnitFiles(system: TargetSystem(job.systemd), files: try artifacts.unitFiles())
      try UnitVerifier(system: units!.system).verify(units!.files, subject: job.id, redactor: redactor())
    }
    let name = job.jobName
    let previous = try? JobDefinition.load(paths.definition(of: name))
    var def = JobDefinition.of(job, paths: paths, at: Date())
    if let previous { def.installedAt = previous.installedAt }
    if job.environment.isEmpty {
      try HostFiles.remove(paths.environment(of: name))
    } else {
      try HostFiles.write(Data(job.environmentText.value.utf8), to: paths.environment(of: name), mode: 0o600, createDirectory: true)
    }
    try HostFiles.write(try JobDefinition.encoder.encode(def), to: paths.definition(of: name), mode: 0o600, createDirectory: true)
    if let units {
      try units.install(subject: job.id, redactor: redactor())
      let live = units.system.systemdIsRunning()
      if live { try check(units.system.systemctl(["daemon-reload"], live: true), "daemon-reload") }
      try check(units.system.systemctl(["enable"] + (live ? ["--now"] : []) + [artifacts.timerName], live: live), "enable \(artifacts.timerName)")
    } else {
      try HostFiles.write(Data(artifacts.cronFile.utf8), to: artifacts.cronPath, mode: 0o644, createDirectory: true)
    }
  }

  /// Removes the schedule, the env file and (unless replacing) the definition; run records stay as history.
  func uninstall(_ locator: [String: String], keepDefinition: Bool) throws {
    guard let name = locator["job"] else { return }
    let base = JobSpec.fileName(forJob: name)
    if locator["runner"] == "systemd" {
      let system = TargetSystem(SystemdTarget(locator: locator))
      let live = system.systemdIsRunning()
      _ = try system.systemctl(["disable"] + (live ? ["--now"] : []) + ["\(base).timer"], live: live)
      try UnitFiles(system: system, files: ["\(base).service": "", "\(base).timer": ""]).remove()
      if live { _ = try system.systemctl(["daemon-reload"], live: true) }
    } else {
      try HostFiles.remove("\(locator["cronDirectory"] ?? "/etc/cron.d")/\(base)")
    }
    try HostFiles.remove(paths.environment(of: name))
    if !keepDefinition { try HostFiles.remove(paths.definition(of: name)) }
  }

  func check(_ r: ProcessResult, _ what: String) throws {
    guard r.status == 0 else { throw r.failure(doing: what, redactor: redactor()) }
  }
}
