import Essentials
import Foundation
import ReconcileCore

/// One run of a scheduled job, as `run-job` records it.
public struct RunRecord: Codable, Sendable, Hashable {
  public enum Outcome: String, Codable, Sendable { case success, failure, timeout, skipped }

  public var start: Date
  public var end: Date
  /// The exit status (nil when the run was skipped because the previous one still held the lock).
  public var status: Int32?
  public var outcome: Outcome
  /// The last lines of the output (at most 4 KiB), secrets redacted.
  public var outputTail: String
}

/// The run records of one job: `STATE/jobs/NAME/runs.jsonl`, one JSON line per run, the newest 200 kept.
public struct RunRecords: Sendable {
  public let path: String

  public init(path: String) { self.path = path }

  static let encoder: JSONEncoder = {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    e.dateEncodingStrategy = .iso8601
    return e
  }()

  /// Appends one record (and trims the file to the newest 200 when it grows past 400).
  public func append(_ record: RunRecord) throws {
    var line = try Self.encoder.encode(record)
    line.append(0x0A)
    let dir = PathText.parent(path)
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw OperationError(doing: "record the run in '\(path)'", cause: .io(path: path, errno: errno, call: nil)) }
    _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    fsync(fd)
    close(fd)
    let all = load()
    if all.count > 400 {
      let kept = try all.suffix(200).map { String(decoding: try Self.encoder.encode($0), as: UTF8.self) + "\n" }.joined()
      try HostFiles.write(Data(kept.utf8), to: path, mode: 0o600, createDirectory: true)
    }
  }

  /// Every readable record, oldest first (a torn last line is skipped).
  public func load() -> [RunRecord] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    let d = JSONDecoder()
    d.dateDecodingStrategy = .iso8601
    return data.split(separator: 0x0A).compactMap { try? d.decode(RunRecord.self, from: Data($0)) }
  }

  /// Facts for the planner: `lastRun`, `lastSuccess`, `failures` (consecutive, newest first), `lastStatus`.
  public func facts() -> [Fact: String] {
    let runs = load().filter { $0.outcome != .skipped }
    var facts: [Fact: String] = [:]
    guard let last = runs.last else { return facts }
    facts[.lastRun] = String(last.end.timeIntervalSince1970)
    if let ok = runs.last(where: { $0.outcome == .success }) { facts[.lastSuccess] = String(ok.end.timeIntervalSince1970) }
    let failures = runs.reversed().prefix { $0.outcome != .success }.count
    facts[.failures] = String(failures)
    facts[.lastStatus] = last.outcome == .timeout ? "timed out" : "exit status \(last.status.map(String.init) ?? "none")"
    return facts
  }
}
