/// What a unit's activation must be after its files are installed, and why. The driver runs `activation`.
public enum UnitSignal: Sendable, Hashable {
  /// systemd is not PID 1 of the target: files and enable links are installed offline, nothing is activated.
  case offline
  /// `running: false`, but the unit is active (`was` describes it: `active (running), 2 restarts`).
  case stop(was: String)
  /// `running: true`, but the unit is not active.
  case start(was: String)
  /// Only the enable state changed.
  case enableChanged
  /// Unit files changed while the unit is inactive: reload systemd only.
  case filesChangedInactive(was: String)
  /// Unit files changed while the unit is active: reload systemd, then do what `onChange` says.
  case filesChanged(then: UnitSpec.OnChange)

  /// What the driver does after `daemon-reload`; nil when nothing (offline).
  public var activation: UnitActivation? {
    switch self {
    case .offline: nil
    case .stop: .stop
    case .start: .start
    case .enableChanged, .filesChangedInactive, .filesChanged(.none): .daemonReload
    case .filesChanged(.restart): .restart
    case .filesChanged(.reload): .reload
    }
  }

  public var reason: String {
    switch self {
    case .offline: "systemd is not PID 1 here: files and enable links are installed offline; nothing is started or restarted"
    case .stop(let was): "unit is \(was); will stop"
    case .start(let was): "unit is \(was); will start"
    case .enableChanged: "will daemon-reload"
    case .filesChangedInactive(let was): "unit files changed; will daemon-reload (the unit is \(was))"
    case .filesChanged(.restart): "unit files changed; will daemon-reload and restart"
    case .filesChanged(.reload): "unit files changed; will daemon-reload and reload"
    case .filesChanged(.none): "unit files changed; will daemon-reload only (onChange is 'none')"
    }
  }
}

/// The systemctl verb a unit step ends with.
public enum UnitActivation: String, Sendable, Hashable {
  case start, stop, restart, reload
  case daemonReload = "daemon-reload"
}
