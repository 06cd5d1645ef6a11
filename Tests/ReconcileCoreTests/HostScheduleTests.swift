import Foundation
import Testing
@testable import ReconcileCore

/// Cron schedules, retention and the host kinds' manifest errors, pinned as text.
@Suite struct HostScheduleTests {
  static func job(_ fields: String) -> String {
    #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "job", "name": "j", "command": "true", \#(fields) } ] }"#
  }

  static let scheduleErrors: [(String, String)] = [
    ("61 * * * *", "m.json: resources[0] 'job/j': schedule: minute: 61 is out of range 0-59"),
    ("* * *", "m.json: resources[0] 'job/j': schedule: expected 5 fields (minute hour day-of-month month day-of-week) or a name like \"@hourly\", got '* * *' (3 fields)"),
    (
      "@fortnightly",
      "m.json: resources[0] 'job/j': schedule: expected 5 fields (minute hour day-of-month month day-of-week) or one of @annually, @daily, @hourly, @midnight, @monthly, @weekly, @yearly, got '@fortnightly'"
    ),
    ("*/0 * * * *", "m.json: resources[0] 'job/j': schedule: minute: expected a positive step after '/', got '*/0'"),
    ("0 5-1 * * *", "m.json: resources[0] 'job/j': schedule: hour: the range '5-1' runs backwards"),
    ("0 0 * foo *", "m.json: resources[0] 'job/j': schedule: month: expected a number, a range like 1-5, '*' or a step like */5, got 'foo'"),
  ]

  @Test(arguments: scheduleErrors) func badSchedulesAreRefusedWithAClearError(schedule: String, expected: String) {
    #expect(issues(Self.job(#""schedule": "\#(schedule)""#)) == [expected])
  }

  @Test func validSchedulesAndTheirIntervals() throws {
    let cases: [(String, Double)] = [
      ("*/5 * * * *", 300), ("@hourly", 3600), ("@daily", 86400), ("@weekly", 7 * 86400), ("0 9 * * mon-fri", 3 * 86400), ("15 */6 * * *", 6 * 3600),
      ("0 0 1 * *", 31 * 86400), ("@yearly", 366 * 86400),
    ]
    for (text, interval) in cases {
      #expect(try CronSchedule(parsing: text).interval == interval, "\(text)")
    }
  }

  @Test func systemdCalendarExpressions() throws {
    #expect(try CronSchedule(parsing: "*/15 2 * * 1-5").onCalendar() == "Mon,Tue,Wed,Thu,Fri *-*-* 02:00,15,30,45:00")
    #expect(try CronSchedule(parsing: "@daily").onCalendar() == "*-*-* 00:00:00")
    #expect(try CronSchedule(parsing: "30 4 1 jan,jul *").onCalendar() == "*-01,07-01 04:30:00")
    #expect(try CronSchedule(parsing: "0 0 * * 0").onCalendar() == "Sun *-*-* 00:00:00")
    #expect(
      issues(Self.job(#""schedule": "0 0 1 * 1", "runner": "systemd""#)) == [
        "m.json: resources[0] 'job/j': schedule: the systemd runner cannot express a schedule that restricts both day-of-month and day-of-week (cron runs when either matches); use the cron runner"
      ])
  }

  @Test func cronMatchesEitherDayFieldWhenBothAreRestricted() throws {
    let s = try CronSchedule(parsing: "0 0 13 * 5")  // the 13th, or any Friday
    #expect(s.matches(Date(timeIntervalSince1970: 1_700_438_400 + 4 * 86400)))  // Fri 2023-11-24
    #expect(!s.matches(Date(timeIntervalSince1970: 1_700_438_400 + 3 * 86400)))  // Thu 2023-11-23
  }

  @Test func hostKindManifestErrors() {
    func wrap(_ r: String) -> String { #"{ "apiVersion": "reconcile/v1", "resources": [ \#(r) ] }"# }
    #expect(
      issues(wrap(#"{ "kind": "unit", "name": "u", "content": "x", "dropIns": { "a.txt": "y" } }"#)) == [
        "m.json: resources[0] 'unit/u': dropIns.a.txt: expected a drop-in file name ending in .conf, got 'a.txt'"
      ])
    #expect(
      issues(wrap(#"{ "kind": "unit", "name": "u", "content": "x", "running": "yes" }"#)) == [
        "m.json: resources[0] 'unit/u': running: expected true, false or \"any\" (leave its activity alone, e.g. a oneshot run by a timer), got 'yes'"
      ])
    let unit = issues(wrap(#"{ "kind": "unit", "name": "u", "unit": "u.sevice", "content": "x", "comandPrefix": ["x"] }"#))
    #expect(unit.contains("m.json: resources[0] 'unit/u': unit: expected a unit file name ending in .service, .timer, .socket, .path, got 'u.sevice'"))
    #expect(unit.contains("m.json: resources[0] 'unit/u': unknown key 'comandPrefix' (did you mean 'commandPrefix'?)"))
    let backup = issues(wrap(#"{ "kind": "backup", "name": "b", "sources": [ { "volume": "data" } ], "destination": "backups", "schedule": "@daily", "user": "x" }"#))
    #expect(
      backup.sorted() == [
        "m.json: resources[0] 'backup/b': destination: expected an absolute path, got 'backups'",
        "m.json: resources[0] 'backup/b': sources[0].helperImage: is required for a volume source: an image present on the Engine to create the helper container from",
        "m.json: resources[0] 'backup/b': unknown key 'user'",
      ])
    #expect(
      issues(Self.job(#""schedule": "@hourly", "environment": { "1X": "a", "OK": "b\nc" }"#)).sorted() == [
        "m.json: resources[0] 'job/j': environment.1X: expected a variable name of letters, digits and '_'",
        "m.json: resources[0] 'job/j': environment.OK: expected one line, got a newline",
      ])
  }

  @Test func retentionKeepsExactlyWhatItSays() {
    let day = 86400.0
    // One backup every 6 hours for 40 days, newest at t0.
    let t0 = Date(timeIntervalSince1970: 1_700_438_400 + 40 * day)
    let backups = (0..<160).map { i in (id: String(format: "b%03d", i), time: t0.addingTimeInterval(-Double(i) * 6 * 3600)) }
    #expect(RetentionPolicy(last: 3).keep(backups) == ["b000", "b001", "b002"])
    // The newest of each of the 7 most recent days: b000 (00:00 today), then the 18:00 backup of each earlier day.
    let daily = RetentionPolicy(daily: 7).keep(backups)
    #expect(daily.count == 7)
    #expect(daily == ["b000", "b001", "b005", "b009", "b013", "b017", "b021"])
    let weekly = RetentionPolicy(weekly: 2).keep(backups)
    #expect(weekly.count == 2 && weekly.contains("b000"))
    let both = RetentionPolicy(last: 2, daily: 3, monthly: 2).keep(backups)
    let monthly = RetentionPolicy(monthly: 2).keep(backups)
    #expect(both == Set(["b000", "b001", "b005"]).union(monthly))
    #expect(RetentionPolicy(monthly: 2).keep(backups).count == 2)
    #expect(RetentionPolicy(last: 200).keep(backups).count == 160)
  }

  @Test func durationsReadLikePeople() {
    #expect(DurationText.format(300) == "5m")
    #expect(DurationText.format(86400) == "1d")
    #expect(DurationText.format(5400) == "1h30m")
    #expect(DurationText.coarse(3 * 3600 + 1000) == "3h")
  }
}
