import Foundation
import ReconcileCore
import ReconcileRuntime

/// One line when a step starts and one when it ends, with its elapsed time; on a TTY, a
/// `still creating… [10s elapsed]` line every 10 seconds for a step that takes long.
final class ProgressPrinter: ExecutionObserver, @unchecked Sendable {
  let terminal: Terminal
  let live: Bool
  private let lock = NSLock()
  private var running: [ResourceID: (Step, Date, Int)] = [:]

  init(terminal: Terminal, live: Bool) {
    self.terminal = terminal
    self.live = live
  }

  static func verb(_ a: Action) -> (doing: String, done: String) {
    switch a {
    case .create: ("creating", "created")
    case .update: ("updating", "updated")
    case .replace: ("replacing", "replaced")
    case .destroy: ("destroying", "destroyed")
    }
  }

  func started(_ step: Step) {
    lock.lock()
    running[step.id] = (step, Date(), 0)
    lock.unlock()
    terminal.out("\(terminal.style.action(step.action, step.id.description)): \(Self.verb(step.action).doing)…\n")
  }

  func finished(_ step: Step, _ o: StepOutcome) {
    lock.lock()
    running[step.id] = nil
    lock.unlock()
    let s = terminal.style
    let time = String(format: "%.2fs", o.seconds)
    switch o.status {
    case .succeeded:
      terminal.out("\(s.action(step.action, step.id.description)): \(Self.verb(step.action).done) [\(time)]\n")
    case .failed(let why):
      terminal.out("\(s.red(step.id.description)): \(s.red("failed")) after \(time): \(why)\n")
    case .skipped(let why):
      terminal.out("\(s.yellow(step.id.description)): \(why)\n")
    }
  }

  func noted(_ step: Step, _ note: StepNote) {
    terminal.out("\(terminal.style.action(step.action, step.id.description)): \(note.text)\n")
  }

  func dueSteps(now: Date) -> [(Step, Int)] {
    lock.withLock {
      var due: [(Step, Int)] = []
      for (id, (step, start, shown)) in running {
        let tens = Int(now.timeIntervalSince(start)) / 10
        if tens > shown {
          running[id] = (step, start, tens)
          due.append((step, tens * 10))
        }
      }
      return due
    }
  }

  /// Runs until cancelled, reporting steps still running every 10 seconds (TTY only).
  func tick() async {
    guard live else { return }
    while !Task.isCancelled {
      try? await Task.sleep(for: .seconds(1))
      for (step, secs) in dueSteps(now: Date()).sorted(by: { $0.0.id < $1.0.id }) {
        terminal.out("\(step.id): still \(Self.verb(step.action).doing)… [\(secs)s elapsed]\n")
      }
    }
  }
}

/// `Apply complete: 2 added, 1 changed, 0 replaced, 1 destroyed in 0.12s.` (or failed, with counts).
struct ApplySummary {
  let outcomes: [StepOutcome]
  let seconds: Double
  /// Records moved to new addresses (`ResourceMove`).
  var moved = 0

  func text(style: Style) -> String {
    func n(_ a: Action) -> Int { outcomes.filter { $0.action == a && $0.status == .succeeded }.count }
    let failed = outcomes.filter { if case .failed = $0.status { true } else { false } }.count
    let skipped = outcomes.filter { if case .skipped = $0.status { true } else { false } }.count
    let counts = "\(n(.create)) added, \(n(.update)) changed, \(n(.replace)) replaced, \(n(.destroy)) destroyed" + (moved > 0 ? ", \(moved) moved" : "")
    let time = String(format: "%.2fs", seconds)
    if failed + skipped == 0 { return style.green("Apply complete:") + " \(counts) in \(time)." }
    return style.red("Apply failed:") + " \(counts); \(failed) failed, \(skipped) skipped, in \(time). The state records what succeeded; run apply again after fixing the cause."
  }
}
