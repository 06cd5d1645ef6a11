import Foundation

/// `backup`: files, directories and SQLite databases (copied consistently while written) archived on a schedule
/// into a destination directory, with a manifest of checksums, retention and verification after each run.
/// Installs a `job` underneath that runs `reconcile backup run NAME`.
public struct BackupSpec: ResourceSpec {
  /// One thing to back up.
  public struct Source: Sendable, Hashable {
    public enum Kind: String, Sendable { case path, sqlite, volume, exec }
    public var kind: Kind
    /// The absolute path, the Docker volume's name, or for `exec` the file name the command's output is kept as.
    public var path: String
    /// For a volume: the image of the helper container the volume is mounted into (it is created, never started).
    public var helperImage: String?
    /// For a SQLite database inside a Docker volume: the volume (`path` is then the path inside it).
    public var volume: String?
    /// For `exec`: the command whose standard output is backed up (`pg_dump …`), and the Docker container it runs
    /// in (`docker exec`; nil: on this host).
    public var command: [String] = []
    public var container: String?

    public init(_ kind: Kind, _ path: String, helperImage: String? = nil, volume: String? = nil) {
      self.kind = kind
      self.path = path
      self.helperImage = helperImage
      self.volume = volume
    }

    /// `exec` sources are kept in the archive under `exec/FILE`.
    public static let execPrefix = "exec"

    public var text: String {
      if kind == .exec { return "exec:\(container ?? "host"):\(path)" }
      return "\(kind.rawValue):\(volume.map { "\($0):" } ?? "")\(path)"
    }
  }

  public let id: ResourceID
  public let sources: [Source]
  public let destination: String
  public let retention: RetentionPolicy
  /// The Docker container that uses the sources: stopped before and started again after an in-place restore.
  public let container: String?
  /// The schedule underneath: shares the job's installation and run records.
  public let job: JobSpec

  public init(id: ResourceID, sources: [Source], destination: String, retention: RetentionPolicy, container: String? = nil, job: JobSpec) {
    self.container = container
    self.id = id
    self.sources = sources
    self.destination = destination
    self.retention = retention
    self.job = job
  }

  /// Archives live in `DESTINATION/NAME/`.
  public var archiveDirectory: String { "\(destination)/\(id.name)" }

  public var locator: [String: String] { job.locator.merging(["destination": destination]) { a, _ in a } }
  public var attributes: [Attribute] { job.attributes }

  public static func backupAttributes(sources: [Source], retention: RetentionPolicy, container: String?) -> [Attribute] {
    var out = [Attribute("sources", sources.map(\.text).joined(separator: ", ")), Attribute("keep", retention.text)]
    if let container { out.append(Attribute("container", container)) }
    return out
  }

  /// Schedule drift (fact `artifact`), failed runs, and the age of the last verified backup (fact `lastGood`).
  public func findings(observed: Observation, context: FindingContext) -> [Finding] {
    let now = context.now
    var out: [Finding] = []
    if let changed = observed.facts[.artifact] { out.append(Finding(.artifactChanged(changed), effect: .update)) }
    var facts = observed.facts
    facts[.lastSuccess] = observed.facts[.lastGood]
    out += RunHealth(facts: facts).findings(
      expected: job.schedule.interval, lateAfter: job.lateAfter, failuresBeforeAlert: job.failuresBeforeAlert, now: now, what: .goodBackup)
    return out
  }

  /// `{ "container": "db", "command": ["pg_dump", "-U", "app", "app"], "file": "app.sql" }`.
  static func readExec(_ e: inout FieldReader) -> Source? {
    let command = e.strings("command")
    let file = e.string("file", required: true)
    let container = e.string("container")
    if command == nil || command?.isEmpty == true { e.report("command", "expected the command whose output is backed up, like [\"pg_dump\", \"-U\", \"app\", \"app\"]") }
    if let file, file.isEmpty || file.contains("/") || file.hasPrefix(".") {
      e.report("file", "expected a file name (no '/', not starting with '.'), got '\(file)'")
    }
    if let c = container, c.isEmpty || c.contains(where: { $0 == " " || $0 == "/" }) { e.report("container", "expected a Docker container name, got '\(c)'") }
    guard let command, !command.isEmpty, let file else { return nil }
    var source = Source(.exec, file)
    source.command = command
    source.container = container
    return source
  }

  public static let descriptor = KindDescriptor(name: "backup") { id, r, _ in
    var sources: [Source] = []
    let list = r.objects("sources")
    if list == nil || list?.isEmpty == true { r.report("sources", "expected at least one source such as {\"path\": \"/srv/data\"} or {\"sqlite\": \"/srv/app.sqlite\"}") }
    for var s in list ?? [] {
      if var e = s.object("exec") {
        sources.append(contentsOf: readExec(&e).map { [$0] } ?? [])
        e.finish()
        s.finish()
        continue
      }
      let path = s.string("path")
      let sqlite = s.string("sqlite")
      let volume = s.string("volume")
      let helper = s.string("helperImage")
      switch (path, sqlite, volume) {
      case (let p?, nil, nil): sources.append(Source(.path, p))
      case (nil, let q?, nil): sources.append(Source(.sqlite, q))
      case (nil, let q?, let v?): sources.append(Source(.sqlite, q, volume: v))
      case (nil, nil, let v?):
        if helper == nil { s.report("helperImage", "is required for a volume source: an image present on the Engine to create the helper container from") }
        if v.isEmpty || v.contains("/") { s.report("volume", "expected a Docker volume name, got '\(v)'") }
        sources.append(Source(.volume, v, helperImage: helper))
      case (nil, nil, nil): s.report(nil, "expected 'path', 'sqlite', 'volume' or 'exec'")
      default: s.report(nil, "give one of 'path', 'sqlite', 'volume' or 'exec'")
      }
      if helper != nil, volume == nil || sqlite != nil { s.report("helperImage", "only a volume source has a helper image") }
      if let p = path ?? sqlite, !p.hasPrefix("/") || p.split(separator: "/").contains("..") {
        s.report(path != nil ? "path" : "sqlite", "expected an absolute path without '..', got '\(p)'")
      }
      s.finish()
    }
    let outputs = sources.filter { $0.kind == .exec }.map(\.path)
    for name in Set(outputs) where outputs.filter({ $0 == name }).count > 1 {
      r.report("sources", "two exec sources write the file '\(name)'; give each its own 'file'")
    }
    let destination = r.string("destination", required: true)
    if let d = destination, !d.hasPrefix("/") { r.report("destination", "expected an absolute path, got '\(d)'") }
    var retention = RetentionPolicy(last: 7)
    if var k = r.object("keep") {
      retention = RetentionPolicy(
        last: k.int("last", in: 0...10000) ?? 0, daily: k.int("daily", in: 0...10000) ?? 0, weekly: k.int("weekly", in: 0...10000) ?? 0,
        monthly: k.int("monthly", in: 0...10000) ?? 0)
      if retention == RetentionPolicy() { k.report(nil, "expected at least one of 'last', 'daily', 'weekly', 'monthly' above 0") }
      k.finish()
    }
    let container = r.string("container")
    if let c = container, c.isEmpty || c.contains(where: { $0 == " " || $0 == "/" }) { r.report("container", "expected a Docker container name, got '\(c)'") }
    let schedule = JobSpec.readSchedule(&r)
    let common = JobSpec.readCommon(&r, schedule: schedule, commandFields: false)
    guard let destination, let schedule, !sources.isEmpty else { return nil }
    let dest = destination.count > 1 && destination.hasSuffix("/") ? String(destination.dropLast()) : destination
    let job = JobSpec(
      id: id, schedule: schedule, command: .backup(id.name), user: "root", timeout: common.timeout, noOverlap: true, runner: common.runner,
      cronDirectory: common.cronDirectory, systemd: common.systemd, failuresBeforeAlert: common.failuresBeforeAlert, maxAge: common.maxAge,
      extraAttributes: backupAttributes(sources: sources, retention: retention, container: container))
    return BackupSpec(id: id, sources: sources, destination: dest, retention: retention, container: container, job: job)
  }
}
