import Foundation

/// Which backups to keep: the newest `last`, plus the newest of each of the most recent `daily` days,
/// `weekly` ISO weeks and `monthly` months that have a backup (UTC). Pure.
public struct RetentionPolicy: Sendable, Hashable {
  public var last: Int
  public var daily: Int
  public var weekly: Int
  public var monthly: Int

  public init(last: Int = 0, daily: Int = 0, weekly: Int = 0, monthly: Int = 0) {
    self.last = last
    self.daily = daily
    self.weekly = weekly
    self.monthly = monthly
  }

  /// `last=3 daily=7 weekly=4 monthly=0`
  public var text: String { "last=\(last) daily=\(daily) weekly=\(weekly) monthly=\(monthly)" }

  /// The ids to keep among `backups` (id and time); everything else may be deleted.
  public func keep(_ backups: [(id: String, time: Date)]) -> Set<String> {
    let newest = backups.sorted { $0.time == $1.time ? $0.id > $1.id : $0.time > $1.time }
    var kept = Set(newest.prefix(last).map(\.id))
    var cal = Calendar(identifier: .iso8601)
    cal.timeZone = TimeZone(identifier: "UTC")!
    func bucketed(_ count: Int, _ key: (Date) -> String) {
      guard count > 0 else { return }
      var seen: [String] = []
      for b in newest {
        let k = key(b.time)
        guard !seen.contains(k) else { continue }
        seen.append(k)
        kept.insert(b.id)
        if seen.count == count { break }
      }
    }
    bucketed(daily) { d in
      let c = cal.dateComponents([.year, .month, .day], from: d)
      return "\(c.year!)-\(c.month!)-\(c.day!)"
    }
    bucketed(weekly) { d in
      let c = cal.dateComponents([.yearForWeekOfYear, .weekOfYear], from: d)
      return "\(c.yearForWeekOfYear!)-W\(c.weekOfYear!)"
    }
    bucketed(monthly) { d in
      let c = cal.dateComponents([.year, .month], from: d)
      return "\(c.year!)-\(c.month!)"
    }
    return kept
  }
}
