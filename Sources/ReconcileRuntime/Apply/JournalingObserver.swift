import Foundation
import ReconcileCore

/// Journals each create as it begins and each successful step as it completes, before the state is rewritten, then
/// tells the next observer
/// (the progress lines). A journal that cannot be written costs only the recovery of this step, so it is reported,
/// not fatal.
struct JournalingObserver: ExecutionObserver {
  let journal: any StepJournal
  let builder: StateBuilder
  let next: any ExecutionObserver
  let notice: @Sendable (ApplyTransaction.Notice) -> Void

  /// A create is journaled before it begins (provisional): killed halfway, whatever it made is still tracked.
  func started(_ step: Step) {
    if step.action == .create, step.prior == nil, let record = builder.provisional(step.id, at: Date()) {
      do {
        try journal.append(step.id, record: record)
      } catch {
        notice(.journalFailed(step.id, "\(error)"))
      }
    }
    next.started(step)
  }

  func finished(_ step: Step, _ outcome: StepOutcome) {
    if outcome.status == .succeeded {
      do {
        try journal.append(step.id, record: builder.record(after: outcome, prior: step.prior, at: Date()))
      } catch {
        notice(.journalFailed(step.id, "\(error)"))
      }
    }
    next.finished(step, outcome)
  }

  func noted(_ step: Step, _ note: StepNote) { next.noted(step, note) }
}
