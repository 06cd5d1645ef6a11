import Foundation
import ReconcileCore

/// Installs systemd units: verified with `systemd-analyze verify`, written into the unit directory, enabled, and
/// started, restarted, reloaded or stopped as the plan says when systemd is PID 1 of the target; offline
/// (`systemctl --root=DIR enable`) otherwise.
public struct SystemdUnitDriver: KindDriver {
  let redactor: @Sendable () -> Redactor

  public init(redactor: @escaping @Sendable () -> Redactor = { Redactor(secrets: []) }) {
    self.redactor = redactor
  }

  public var kinds: [String] { ["unit"] }

  /// Reads each unit file and its declared drop-ins; asks `systemctl is-enabled` (offline with `--root` when systemd
  /// is not PID 1) and, when it is, `systemctl show` for ActiveState, SubState, UnitFileState and NRestarts.
  public func observe(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    var out: [ResourceID: Observation] = [:]
    var liveness: [SystemdTarget: Bool] = [:]
    for t in targets {
      guard let unit = t.locator["unit"] else { continue }
      let target = SystemdTarget(locator: t.locator)
      let system = TargetSystem(target)
      let live = liveness[target] ?? system.systemdIsRunning()
      liveness[target] = live
      var facts: [Fact: String] = [.systemd: live ? "running" : "offline"]
      if !live {
        facts[.note] = "systemd is not PID 1 here: the unit is installed and enabled offline (systemctl --root=\(target.root)); nothing is started, stopped or restarted"
      }
      guard let content = try system.read("\(target.unitDirectory)/\(unit)") else {
        out[t.id] = Observation(exists: false, facts: facts)
        continue
      }
      var attrs = ["content": content]
      for name in (t.spec as? UnitSpec)?.dropIns.keys.sorted() ?? [] {
        attrs["dropIn:\(name)"] = try system.read("\(target.unitDirectory)/\(unit).d/\(name)")
      }
      let enabled = try system.systemctl(["is-enabled", unit], live: live)
      attrs["enabled"] = enabled.output.split(separator: "\n").first.map { ["enabled", "enabled-runtime"].contains($0) } == true ? "true" : "false"
      if live {
        let properties = try UnitStatus.read(unit, in: system).properties
        for fact in [Fact.activeState, .subState, .restarts] { facts[fact] = properties[fact.rawValue] }
      }
      out[t.id] = Observation(exists: true, attributes: attrs, facts: facts)
    }
    return out
  }

  public func perform(_ step: Step) async throws {
    let system: TargetSystem
    do {
      switch step.action {
      case .create, .update, .replace:
        guard let spec = step.desired as? UnitSpec else { throw OperationError("the step carries no unit spec") }
        if step.action == .replace, let prior = step.prior { try uninstall(prior.locator, record: prior) }
        system = TargetSystem(spec.target)
        let activation = step.signals.lazy.compactMap { if case .unit(let u) = $0 { u.activation } else { nil } }.first
        try install(spec, system: system, activation: activation, creating: step.action != .update)
      case .destroy:
        guard let locator = step.desired?.locator ?? step.prior?.locator else { return }
        try uninstall(locator, record: step.prior)
      }
    } catch let e as OperationError {
      throw e.within(step.action.rawValue, of: step.id)
    }
  }

  /// Verifies and writes the files, then `daemon-reload`, `enable`/`disable` and the planned activation.
  func install(_ spec: UnitSpec, system: TargetSystem, activation: UnitActivation?, creating: Bool) throws {
    try UnitFiles(system: system, files: UnitFiles.of(spec)).install(subject: spec.id, redactor: redactor())
    let live = system.systemdIsRunning()
    if live { try check(system.systemctl(["daemon-reload"], live: true), "daemon-reload") }
    if let enabled = spec.enabled {
      try check(system.systemctl([enabled ? "enable" : "disable", spec.unitName], live: live), "\(enabled ? "enable" : "disable") \(spec.unitName)")
    }
    guard live else { return }
    var verb = activation == .daemonReload ? nil : activation
    if creating, activation == nil, spec.running == true { verb = .start }
    guard let verb else { return }
    // The unit that runs this very reconcile (the controller managing its own unit): waiting for its restart would
    // wait for this process to stop, which waits for this step. It is queued instead, and systemd carries it out.
    let main = try? system.systemctl(["show", spec.unitName, "-p", "MainPID", "--value"], live: true)
    let itself = !system.isRemote && main?.output.trimmingCharacters(in: .whitespacesAndNewlines) == String(getpid())
    try check(system.systemctl((itself ? ["--no-block"] : []) + [verb.rawValue, spec.unitName], live: true), "\(verb.rawValue) \(spec.unitName)")
  }

  /// Stops and disables the unit (offline: removes its enable links), removes its files and reloads.
  func uninstall(_ locator: [String: String], record: ResourceRecord?) throws {
    guard let unit = locator["unit"] else { return }
    let system = TargetSystem(SystemdTarget(locator: locator))
    let live = system.systemdIsRunning()
    // A unit whose file is already gone has nothing left to disable; one that is there must disable cleanly.
    if try system.read("\(system.target.unitDirectory)/\(unit)") != nil {
      try check(system.systemctl(["disable"] + (live ? ["--now"] : []) + [unit], live: live), "disable \(unit)")
    }
    var files = [unit: ""]
    for key in record?.attributes.keys ?? [:].keys where key.hasPrefix("dropIn:") { files["\(unit).d/\(key.dropFirst(7))"] = "" }
    try UnitFiles(system: system, files: files).remove()
    if live { try check(system.systemctl(["daemon-reload"], live: true), "daemon-reload") }
  }

  func check(_ r: ProcessResult, _ what: String) throws {
    guard r.status == 0 else { throw r.failure(doing: what, redactor: redactor()) }
  }
}

/// What `reconcile restart unit/NAME` and `reconcile logs unit/NAME` do, on the unit's own target (this host, or one
/// reached through its command prefix).
public enum UnitCommands {
  /// `systemctl restart UNIT`; refused where systemd is not PID 1 (nothing runs there to restart).
  public static func restart(_ spec: UnitSpec) throws {
    let system = TargetSystem(spec.target)
    guard system.systemdIsRunning() else {
      throw OperationError(doing: "restart \(spec.id)", "systemd is not PID 1 there: the unit is installed offline and nothing runs")
    }
    let r = try system.systemctl(["restart", spec.unitName], live: true)
    guard r.status == 0 else { throw r.failure(doing: "restart \(spec.id)") }
  }

  /// The unit's journal: its last `lines` lines, from `since` when given.
  public static func journal(_ spec: UnitSpec, lines: Int, since: Date?) throws -> String {
    let system = TargetSystem(spec.target)
    var argv = ["journalctl", "--no-pager", "-u", spec.unitName, "-n", String(lines)]
    if let since { argv += ["--since", "@\(Int(since.timeIntervalSince1970))"] }
    let r = try system.run(argv)
    guard r.status == 0 else { throw r.failure(doing: "read the journal of \(spec.id)") }
    return r.output
  }
}
