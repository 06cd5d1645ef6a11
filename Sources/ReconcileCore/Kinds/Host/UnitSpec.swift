import Foundation

/// `unit`: a systemd unit file (service, timer, socket, path) with drop-ins, verified before it is installed;
/// enabled, started, restarted or reloaded when systemd is PID 1 of the target, installed offline otherwise.
public struct UnitSpec: ResourceSpec {
  public enum OnChange: String, Sendable { case restart, reload, none }

  public static let types = ["service", "timer", "socket", "path"]

  public let id: ResourceID
  /// The unit file name, e.g. `sync.service`.
  public let unitName: String
  public let content: Text
  /// Drop-in file name (`10-limits.conf`) → content, installed in `UNIT.d/`.
  public let dropIns: [String: Text]
  /// Enabled or disabled; nil for a unit without an `[Install]` section (static: enabling it has no meaning).
  public let enabled: Bool?
  /// Whether the unit should be active; nil leaves its activity alone (a oneshot run by a timer).
  public let running: Bool?
  public let onChange: OnChange
  public let target: SystemdTarget

  public init(
    id: ResourceID, unitName: String, content: Text, dropIns: [String: Text] = [:], enabled: Bool? = true, running: Bool? = true, onChange: OnChange = .restart,
    target: SystemdTarget = SystemdTarget()
  ) {
    self.id = id
    self.unitName = unitName
    self.content = content
    self.dropIns = dropIns
    self.enabled = enabled
    self.running = running
    self.onChange = onChange
    self.target = target
  }

  public var locator: [String: String] { target.locator.merging(["unit": unitName]) { a, _ in a } }

  public var attributes: [Attribute] {
    var out = [Attribute("content", content.value, sensitive: content.isSensitive, style: .content)]
    for (name, text) in dropIns.sorted(by: { $0.key < $1.key }) {
      out.append(Attribute("dropIn:\(name)", text.value, sensitive: text.isSensitive, style: .content))
    }
    if let enabled { out.append(Attribute("enabled", enabled ? "true" : "false")) }
    return out
  }

  /// The activation the plan decides on, from what systemd reports (facts `systemd`, `ActiveState`, `SubState`, `NRestarts`).
  public func findings(observed: Observation, context: FindingContext) -> [Finding] {
    let filesChanged = attributes.contains { $0.name != "enabled" && observed.attributes[$0.name] != $0.value }
    let anyChange = filesChanged || enabled.map { observed.attributes["enabled"] != ($0 ? "true" : "false") } == true
    guard observed.facts[.systemd] == "running" else {
      guard anyChange else { return [] }
      return [Finding(.unit(.offline), effect: .update, change: FieldChange(field: "activation", before: nil, after: .value("none (systemd is not PID 1)")))]
    }
    let state = observed.facts[.activeState] ?? "unknown"
    let sub = observed.facts[.subState].map { " (\($0))" } ?? ""
    let restarts = Int(observed.facts[.restarts] ?? "0") ?? 0
    let was = "\(state)\(sub)\(restarts > 0 ? ", \(restarts) restart\(restarts == 1 ? "" : "s")" : "")"
    let active = ["active", "activating", "reloading"].contains(state)
    let signal: UnitSignal
    switch running {
    case false? where active: signal = .stop(was: was)
    case true? where !active: signal = .start(was: was)
    default:
      if filesChanged {
        signal = active ? .filesChanged(then: onChange) : .filesChangedInactive(was: was)
      } else if anyChange {
        signal = .enableChanged
      } else {
        return []
      }
    }
    let shown = signal.activation?.rawValue ?? "none"
    return [Finding(.unit(signal), effect: .update, change: FieldChange(field: "activation", before: .value(state), after: .value(shown)))]
  }

  public static let descriptor = KindDescriptor(name: "unit") { id, r, context in
    let type = r.choice("type", types) ?? "service"
    var unitName = "\(id.name).\(type)"
    if let given = r.string("unit") {
      let suffix = given.split(separator: ".").last.map(String.init) ?? ""
      if !types.contains(suffix) || given.contains("/") {
        r.report("unit", "expected a unit file name ending in .\(types.joined(separator: ", .")), got '\(given)'")
      }
      unitName = given
    }
    let inline = r.text("content")
    let rendered = TemplateField.render(&r, context: context)
    if inline != nil, rendered != nil { r.report(nil, "give either 'content' or 'template', not both") }
    if inline == nil, rendered == nil, r.object["template"] == nil { r.report(nil, "expected 'content' or 'template'") }
    var dropIns: [String: Text] = [:]
    for (name, text) in r.textMap("dropIns") ?? [:] {
      if !name.hasSuffix(".conf") || name.contains("/") {
        r.report("dropIns.\(name)", "expected a drop-in file name ending in .conf, got '\(name)'")
      }
      dropIns[name] = text
    }
    let declared = r.bool("enabled")
    var running: Bool? = true
    switch r.value("running") {
    case nil: break
    case .string(let t) where t.value == "any": running = nil
    case .bool(let b): running = b
    case let v?: r.report("running", "expected true, false or \"any\" (leave its activity alone, e.g. a oneshot run by a timer), got \(v.quoted)")
    }
    let onChange = r.choice("onChange", ["restart", "reload", "none"]).flatMap(OnChange.init(rawValue:)) ?? .restart
    let target = SystemdTarget.read(&r)
    guard let content = inline ?? rendered else { return nil }
    let installable = ([content] + Array(dropIns.values)).contains { $0.value.contains("[Install]") }
    if declared == true, !installable {
      r.report("enabled", "the unit has no [Install] section, so it cannot be enabled; add one (e.g. WantedBy=multi-user.target) or leave 'enabled' out")
    }
    let enabled = declared ?? (installable ? true : nil)
    return UnitSpec(id: id, unitName: unitName, content: content, dropIns: dropIns, enabled: enabled, running: running, onChange: onChange, target: target)
  }
}
