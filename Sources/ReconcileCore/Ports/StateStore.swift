/// Where the state lives between runs: the snapshot, the lock that makes one run at a time, the journal that keeps
/// each completed step of a run that is killed, and the audit history. Implemented on disk by the drivers
/// (`JSONStateStore`); the apply transaction in Runtime sees only this port.
public protocol StateStore: Sendable {
  /// Takes the exclusive lock for one run, waiting up to `timeout` seconds for another holder.
  func lock(for command: String, timeout: Double) throws -> any StateLease
  /// The last saved snapshot; an empty one (no lineage) before the first save.
  func load() throws -> StateSnapshot
  /// Saves the next serial (a lineage on the first save) and clears the journal; returns what was saved.
  func save(_ snapshot: StateSnapshot) throws -> StateSnapshot
  /// Folds the journal of an interrupted run into `state` (creates that only began too, as provisional records);
  /// returns how many completed steps it held.
  func recover(into state: inout StateSnapshot) -> Int
  /// Opens the journal of the run about to start.
  func openJournal() throws -> any StepJournal
  func appendHistory(_ entry: HistoryEntry) throws
}

/// A held state lock.
public protocol StateLease: Sendable {
  /// The run that died holding the lock before this one took it, described for a warning; nil after a clean release.
  var interruptedRun: String? { get }
  func release()
}

/// The journal of one run: each completed step, written before the state is, so a killed run loses nothing.
public protocol StepJournal: Sendable {
  /// `record` nil: the step removed the resource (or it is no longer tracked).
  func append(_ id: ResourceID, record: ResourceRecord?) throws
}
