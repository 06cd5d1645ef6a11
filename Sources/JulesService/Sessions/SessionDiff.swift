/// Compares two snapshots of sessions by `id` and `updateTime`. Pure: no clock, no I/O.
public enum SessionDiff {
  /// Deltas that turn `old` into `new`, ordered created/updated by the order of `new`, then deleted by id.
  public static func deltas(from old: [String: JulesSession], to new: [JulesSession], timestamp: String) -> [SessionDelta] {
    var out: [SessionDelta] = []
    var seen = Set<String>()
    for s in new {
      seen.insert(s.id)
      if let before = old[s.id] {
        if before.updateTime != s.updateTime || (s.updateTime == nil && before != s) {
          out.append(SessionDelta(changeType: .updated, before: before, after: s, timestamp: timestamp))
        }
      } else {
        out.append(SessionDelta(changeType: .created, before: nil, after: s, timestamp: timestamp))
      }
    }
    for id in old.keys.sorted() where !seen.contains(id) {
      out.append(SessionDelta(changeType: .deleted, before: old[id], after: nil, timestamp: timestamp))
    }
    return out
  }
}
