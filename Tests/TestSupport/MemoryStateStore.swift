import Essentials
import Foundation
import ReconcileCore

/// A `StateStore` held in memory, with the same rules as the state directory: one lock holder at a time, serials
/// that only grow, a lineage on the first save, a journal cleared by each save and folded in by `recover`.
/// Real state, not recorded calls: tests read what a run left behind.
public final class MemoryStateStore: StateStore, @unchecked Sendable {
  struct Contents {
    var snapshot: StateSnapshot
    var journal: [(ResourceID, ResourceRecord?)] = []
    var history: [HistoryEntry] = []
    var holder: String?
    /// Left by a holder that died: the next lock reports it.
    var abandoned: String?
    var saves = 0
    var dieAtSave = false
  }

  let contents: Locked<Contents>

  public init(_ snapshot: StateSnapshot = StateSnapshot(lineage: "")) {
    contents = Locked(Contents(snapshot: snapshot))
  }

  public var snapshot: StateSnapshot { contents.withLock { $0.snapshot } }
  public var history: [HistoryEntry] { contents.withLock { $0.history } }
  public var journal: [(ResourceID, ResourceRecord?)] { contents.withLock { $0.journal } }
  public var saves: Int { contents.withLock { $0.saves } }

  /// The next save dies the way a killed process does: nothing is saved, the journal and the lock record stay.
  public func dieAtNextSave() { contents.withLock { $0.dieAtSave = true } }

  final class Lease: StateLease, @unchecked Sendable {
    let store: MemoryStateStore
    let interruptedRun: String?
    init(_ store: MemoryStateStore, interrupted: String?) {
      self.store = store
      interruptedRun = interrupted
    }
    func release() { store.contents.withLock { $0.holder = nil } }
  }

  public func lock(for command: String, timeout: Double) throws -> any StateLease {
    try contents.withLock { c in
      if let holder = c.holder { throw OperationError("the state is locked: held by \(holder)") }
      c.holder = command
      defer { c.abandoned = nil }
      return Lease(self, interrupted: c.abandoned)
    }
  }

  public func load() throws -> StateSnapshot { snapshot }

  public func save(_ s: StateSnapshot) throws -> StateSnapshot {
    try contents.withLock { c in
      if c.dieAtSave {
        c.dieAtSave = false
        c.abandoned = c.holder
        throw OperationError("killed before the state was saved")
      }
      var next = s
      next.serial += 1
      if next.lineage.isEmpty { next.lineage = UUID().uuidString.lowercased() }
      c.snapshot = next
      c.journal = []
      c.saves += 1
      return next
    }
  }

  public func recover(into state: inout StateSnapshot) -> Int {
    let lines = journal
    for (id, record) in lines { state.resources[id] = record }
    return lines.filter { $0.1?.provisional != true }.count
  }

  struct Journal: StepJournal {
    let store: MemoryStateStore
    func append(_ id: ResourceID, record: ResourceRecord?) throws { store.contents.withLock { $0.journal.append((id, record)) } }
  }

  public func openJournal() throws -> any StepJournal { Journal(store: self) }

  public func appendHistory(_ entry: HistoryEntry) throws { contents.withLock { $0.history.append(entry) } }
}
