import Foundation
import ReconcileCore

/// The state directory as the apply transaction's `StateStore`.
extension JSONStateStore: StateStore {
  public func lock(for command: String, timeout: Double) throws -> any StateLease {
    try StateLock(directory: directory, command: command, timeout: timeout)
  }

  public func openJournal() throws -> any StepJournal {
    try Journal(path: journalPath)
  }

  public func appendHistory(_ entry: HistoryEntry) throws {
    try HostFiles.appendLine(try Self.lineEncoder.encode(entry), to: historyPath)
  }

  /// Every run recorded in `history.jsonl`, oldest first (a line that does not decode is skipped).
  public func history() -> [HistoryEntry] {
    (HostFiles.read(historyPath) ?? "").split(separator: "\n").compactMap { try? Self.decoder.decode(HistoryEntry.self, from: Data($0.utf8)) }
  }
}

extension StateLock: StateLease {
  public var interruptedRun: String? { staleHolder?.summary }
}

extension JSONStateStore.Journal: StepJournal {
  public func append(_ id: ResourceID, record: ResourceRecord?) throws {
    try append(JSONStateStore.JournalEntry(id: id, record: record))
  }
}
