import Foundation

/// A cron schedule: five fields (minute hour day-of-month month day-of-week) or a name such as `@hourly`.
/// Pure: parsing, matching a time (UTC) and the longest gap between runs.
public struct CronSchedule: Sendable, Hashable {
  /// The schedule as written (names kept, e.g. `@daily`), for the cron line.
  public let text: String
  public let minutes: Set<Int>
  public let hours: Set<Int>
  public let days: Set<Int>
  public let months: Set<Int>
  public let weekdays: Set<Int>
  /// Whether day-of-month and day-of-week were both restricted (cron then runs when either matches).
  let daysRestricted: Bool
  let weekdaysRestricted: Bool

  static let names: [String: String] = [
    "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
  ]
  static let fieldNames = ["minute", "hour", "day-of-month", "month", "day-of-week"]
  static let ranges = [0...59, 0...23, 1...31, 1...12, 0...7]
  static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
  static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

  /// Parses a schedule; the error text says what was expected and what was found.
  public init(parsing raw: String) throws(ScheduleError) {
    let text = raw.trimmingCharacters(in: .whitespaces)
    var expanded = text
    if text.hasPrefix("@") {
      guard let e = Self.names[text.lowercased()] else {
        throw ScheduleError("expected 5 fields (minute hour day-of-month month day-of-week) or one of \(Self.names.keys.sorted().joined(separator: ", ")), got '\(raw)'")
      }
      expanded = e
    }
    let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    guard fields.count == 5 else {
      throw ScheduleError(
        "expected 5 fields (minute hour day-of-month month day-of-week) or a name like \"@hourly\", got '\(raw)' (\(fields.count) field\(fields.count == 1 ? "" : "s"))")
    }
    var sets: [Set<Int>] = []
    for (i, f) in fields.enumerated() {
      sets.append(try Self.parseField(f, index: i))
    }
    self.text = text
    minutes = sets[0]
    hours = sets[1]
    days = sets[2]
    months = sets[3]
    weekdays = Set(sets[4].map { $0 == 7 ? 0 : $0 })
    daysRestricted = !fields[2].hasPrefix("*")
    weekdaysRestricted = !fields[4].hasPrefix("*")
  }

  static func parseField(_ field: String, index: Int) throws(ScheduleError) -> Set<Int> {
    let range = ranges[index]
    let name = fieldNames[index]
    var out: Set<Int> = []
    for part in field.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
      var base = part
      var step = 1
      if let slash = part.firstIndex(of: "/") {
        base = String(part[..<slash])
        guard let s = Int(part[part.index(after: slash)...]), s > 0 else {
          throw ScheduleError("\(name): expected a positive step after '/', got '\(part)'")
        }
        step = s
      }
      var lo = range.lowerBound
      var hi = range.upperBound
      if base != "*" {
        let bounds = base.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard bounds.count <= 2, let a = value(bounds[0], index: index) else {
          throw ScheduleError("\(name): expected a number, a range like 1-5, '*' or a step like */5, got '\(part)'")
        }
        lo = a
        hi = a
        if bounds.count == 2 {
          guard let b = value(bounds[1], index: index) else {
            throw ScheduleError("\(name): expected a number after '-', got '\(part)'")
          }
          hi = b
        } else if step != 1 {
          hi = range.upperBound
        }
        for v in [lo, hi] where !range.contains(v) {
          throw ScheduleError("\(name): \(v) is out of range \(range.lowerBound)-\(range.upperBound)")
        }
        guard lo <= hi else { throw ScheduleError("\(name): the range '\(base)' runs backwards") }
      }
      out.formUnion(stride(from: lo, through: hi, by: step))
    }
    return out
  }

  static func value(_ s: String, index: Int) -> Int? {
    if let n = Int(s) { return n }
    let l = s.lowercased()
    if index == 3, let i = monthNames.firstIndex(of: l) { return i + 1 }
    if index == 4, let i = dayNames.firstIndex(of: l) { return i }
    return nil
  }

  /// Whether the schedule fires in the minute that starts at `date` (UTC).
  public func matches(_ date: Date) -> Bool {
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(identifier: "UTC")!
    let c = cal.dateComponents([.minute, .hour, .day, .month, .weekday], from: date)
    guard minutes.contains(c.minute!), hours.contains(c.hour!), months.contains(c.month!) else { return false }
    let dayOK = days.contains(c.day!)
    let weekdayOK = weekdays.contains(c.weekday! - 1)
    if daysRestricted && weekdaysRestricted { return dayOK || weekdayOK }
    return dayOK && weekdayOK
  }

  /// The longest gap between two runs, in seconds: what "expected every …" means for drift.
  public var interval: Double {
    if text.hasPrefix("@") {
      switch Self.names[text.lowercased()] {
      case "0 0 1 * *": return 31 * 86400
      case "0 0 1 1 *": return 366 * 86400
      default: break
      }
    }
    // Walk 15 days of minutes from a fixed Monday and take the longest gap between matches.
    let start = Date(timeIntervalSince1970: 1_700_438_400)  // 2023-11-20 00:00 UTC, a Monday
    var last: Double?
    var longest = 0.0
    for m in 0..<(15 * 24 * 60) {
      let t = Double(m) * 60
      guard matches(start.addingTimeInterval(t)) else { continue }
      if let l = last { longest = max(longest, t - l) }
      last = t
    }
    if longest > 0 { return longest }
    return months.count == 12 ? 31 * 86400 : 366 * 86400
  }

  /// The schedule as a systemd `OnCalendar=` expression, when systemd can express it (it ANDs the day fields).
  public func onCalendar() throws(ScheduleError) -> String {
    if daysRestricted && weekdaysRestricted {
      throw ScheduleError("the systemd runner cannot express a schedule that restricts both day-of-month and day-of-week (cron runs when either matches); use the cron runner")
    }
    func list(_ s: Set<Int>, full: ClosedRange<Int>, width: Int) -> String {
      if s == Set(full) { return "*" }
      return s.sorted().map { String(format: "%0\(width)d", $0) }.joined(separator: ",")
    }
    let dow = weekdays.count == 7 ? "" : weekdays.sorted { ($0 + 6) % 7 < ($1 + 6) % 7 }.map { ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][$0] }.joined(separator: ",") + " "
    return
      "\(dow)*-\(list(months, full: 1...12, width: 2))-\(list(days, full: 1...31, width: 2)) \(list(hours, full: 0...23, width: 2)):\(list(minutes, full: 0...59, width: 2)):00"
  }
}

/// Why a schedule was refused.
public struct ScheduleError: Error, Sendable, CustomStringConvertible {
  public let description: String
  init(_ d: String) { description = d }
}

/// Durations as people read them: `5m`, `3h`, `2d`, `1h30m`.
public enum DurationText {
  public static func format(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s < 60 { return "\(s)s" }
    if s < 3600 { return s % 60 == 0 ? "\(s / 60)m" : "\(s / 60)m\(s % 60)s" }
    if s < 86400 { return s % 3600 == 0 ? "\(s / 3600)h" : "\(s / 3600)h\((s % 3600) / 60)m" }
    return s % 86400 == 0 ? "\(s / 86400)d" : "\(s / 86400)d\((s % 86400) / 3600)h"
  }

  /// An age in its largest whole unit: `45s`, `12m`, `3h`, `2d`.
  public static func coarse(_ seconds: Double) -> String {
    let s = max(0, Int(seconds))
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m" }
    if s < 86400 { return "\(s / 3600)h" }
    return "\(s / 86400)d"
  }
}
