import Foundation
import ReconcileCore

/// The files that schedule a job: one `/etc/cron.d` file (runner `cron`), or a service and a timer (runner `systemd`).
/// Each calls `reconcile run-job NAME` with absolute paths; nothing secret is in them.
struct JobArtifacts: Sendable {
  let job: JobSpec
  let paths: JobPaths

  /// The cron file's path on this host.
  var cronPath: String { "\(job.cronDirectory)/\(job.cronFileName)" }

  /// The cron file: no dots in its name, mode 0644 and a trailing newline, which cron silently requires.
  var cronFile: String {
    let command = paths.runJob(job.jobName).map(Self.shellQuote).joined(separator: " ").replacingOccurrences(of: "%", with: "\\%")
    return """
      # Managed by reconcile (\(job.id)); changes here are overwritten by the next apply.
      SHELL=/bin/sh
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
      \(job.schedule.text) root \(command)

      """
  }

  var serviceName: String { "\(job.unitBaseName).service" }
  var timerName: String { "\(job.unitBaseName).timer" }

  /// The service and timer of the systemd runner (the timer has `Persistent=true`: a run missed while the host was down happens at boot).
  func unitFiles() throws -> [String: String] {
    let exec = paths.runJob(job.jobName).map { "\"\($0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"" }
    let calendar: String
    do { calendar = try job.schedule.onCalendar() } catch { throw OperationError("schedule '\(job.schedule.text)': \(error.description)") }
    let service = """
      # Managed by reconcile (\(job.id)).
      [Unit]
      Description=reconcile \(job.id)

      [Service]
      Type=oneshot
      ExecStart=\(exec.joined(separator: " ").replacingOccurrences(of: "%", with: "%%"))

      """
    let timer = """
      # Managed by reconcile (\(job.id)).
      [Unit]
      Description=Schedule of reconcile \(job.id)

      [Timer]
      OnCalendar=\(calendar)
      Persistent=true

      [Install]
      WantedBy=timers.target

      """
    return [serviceName: service, timerName: timer]
  }

  static func shellQuote(_ s: String) -> String {
    if !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/-_.=:".contains($0)) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
