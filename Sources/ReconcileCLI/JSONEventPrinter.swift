import Foundation
import ReconcileCore
import ReconcileRuntime

/// `apply --json`: one JSON object per line on stdout, for scripts and the controller's consumers: the plan, each step
/// as it starts, says something (a canary's figures) and ends, and the summary. What is meant for people goes to
/// stderr meanwhile. Secrets are redacted like every other output.
final class JSONEventPrinter: ExecutionObserver, @unchecked Sendable {
  let terminal: Terminal

  init(terminal: Terminal) { self.terminal = terminal }

  func emit(_ event: String, _ fields: [String: Any]) {
    var object = fields
    object["event"] = event
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
    terminal.json(String(decoding: data, as: UTF8.self))
  }

  func plan(_ document: PlanDocument) {
    guard let object = try? JSONSerialization.jsonObject(with: document.encoded()) else { return }
    emit("plan", ["plan": object])
  }

  func started(_ step: Step) { emit("started", ["address": step.id.description, "action": step.action.rawValue]) }

  func noted(_ step: Step, _ note: StepNote) { emit("note", ["address": step.id.description, "text": note.text]) }

  func finished(_ step: Step, _ o: StepOutcome) {
    var fields: [String: Any] = ["address": step.id.description, "action": step.action.rawValue, "seconds": (o.seconds * 1000).rounded() / 1000]
    switch o.status {
    case .succeeded: fields["outcome"] = "succeeded"
    case .failed(let why): fields["outcome"] = "failed"; fields["error"] = why
    case .skipped(let why): fields["outcome"] = "skipped"; fields["error"] = why
    }
    emit("finished", fields)
  }

  func summary(_ outcomes: [StepOutcome], seconds: Double) {
    func n(_ a: Action) -> Int { outcomes.filter { $0.action == a && $0.status == .succeeded }.count }
    let failed = outcomes.filter { if case .failed = $0.status { true } else { false } }.count
    emit(
      "summary",
      [
        "added": n(.create), "changed": n(.update), "replaced": n(.replace), "destroyed": n(.destroy), "failed": failed,
        "seconds": (seconds * 1000).rounded() / 1000,
      ])
  }
}

/// Two observers hearing the same run (people's progress lines and the JSON events).
struct ObserverPair: ExecutionObserver {
  let first: any ExecutionObserver
  let second: any ExecutionObserver

  func started(_ step: Step) {
    first.started(step)
    second.started(step)
  }

  func finished(_ step: Step, _ outcome: StepOutcome) {
    first.finished(step, outcome)
    second.finished(step, outcome)
  }

  func noted(_ step: Step, _ note: StepNote) {
    first.noted(step, note)
    second.noted(step, note)
  }
}
