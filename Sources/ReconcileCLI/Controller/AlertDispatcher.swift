import Foundation
import ReconcileCore
import ReconcileDrivers
import ReconcileRuntime

/// Sends alerts through the gate (deduplicated, rate-limited) to the manifests' targets, off the caller's path.
final class AlertDispatcher: @unchecked Sendable {
  private let lock = NSLock()
  private var gate = AlertGate()
  private var _targets: [AlertTarget] = []
  let sender: AlertSender
  let state: ControllerState?
  let terminal: Terminal

  init(sender: AlertSender, state: ControllerState?, terminal: Terminal) {
    self.sender = sender
    self.state = state
    self.terminal = terminal
  }

  var targets: [AlertTarget] {
    get { lock.withLock { _targets } }
    set { lock.withLock { _targets = newValue } }
  }

  /// Sends now when the gate admits the alert; delivery failures are logged, never thrown.
  func send(_ event: AlertEvent, subject: String, _ message: String) async {
    let alert = Alert(event: event, subject: subject, message: terminal.redactor.redact(message), time: Date())
    let admitted = lock.withLock { gate.admit(alert, now: alert.time) }
    state?.countAlert(sent: admitted)
    guard admitted else { return }
    state?.feed.recordAlert(alert)
    terminal.out("alert \(event.rawValue): \(subject): \(alert.message.split(separator: "\n").first ?? "")\n")
    let targets = self.targets
    let sender = self.sender
    let failures = await Task.detached { sender.send(alert, to: targets) }.value
    for f in failures { terminal.warning(f) }
  }
}
