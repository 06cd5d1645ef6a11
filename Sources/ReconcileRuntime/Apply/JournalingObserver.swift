import Foundation
import ReconcileCore

/// Journals each successful step as it completes, before the state is rewritten, then tells the next observer
/// (the progress lines). A journal that cannot be written costs only the recovery of this step, so it is reported,
/// not fatal.
struct JournalingObserver: ExecutionObserver {
  let journal: any StepJournal
  let builder: StateBuilder
  let next: any ExecutionObserver
  let notice: @Sendable (ApplyTransaction.Notice) -> Void

  func started(_ step: Step) { next.started(step) }

  func finished(_ step: Step, _ outcome: StepOutcome) {
    if outcome.status == .succeeded {
      do {
        try journal.append(step.id, record: builder.record(after: outcome, at: Date()))
      } catch {
        notice(.journalFailed(step.id, "\(error)"))
      }
    }
    next.finished(step, outcome)
  }
}
