import Essentials
import Foundation
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// The state directory: `state.json` (with `state.json.previous`), the journal of an apply in progress,
/// the audit history, drift reports, and the key for hashing secrets.
public struct JSONStateStore: Sendable {
  public let directory: String

  public init(directory: String) {
    self.directory = directory
  }

  var statePath: String { directory + "/state.json" }
  var journalPath: String { directory + "/journal.jsonl" }
  public var historyPath: String { directory + "/history.jsonl" }
  public var driftDirectory: String { directory + "/drift" }

  static let encoder: JSONEncoder = {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    e.dateEncodingStrategy = .iso8601
    return e
  }()

  static let lineEncoder: JSONEncoder = {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    e.dateEncodingStrategy = .iso8601
    return e
  }()

  static let decoder: JSONDecoder = {
    let d = JSONDecoder()
    d.dateDecodingStrategy = .iso8601
    return d
  }()

  /// Creates the directory (0700) when missing, and keeps it 0700 (a checkout's `state/` comes 0755).
  public func prepare() throws {
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
      throw OperationError(doing: "create the state directory '\(directory)'", error.localizedDescription)
    }
    chmod(directory, 0o700)
  }

  /// Reads `state.json`; a new, empty state (no lineage until its first save) when there is none.
  /// A file that does not parse is an error, never a reset.
  public func load() throws -> StateSnapshot {
    // Read once into the parser's bytes (a `Data` and its copy as bytes were 9 MB of a plan's peak over 10,000 files).
    var size = stat()
    guard stat(statePath, &size) == 0, let bytes = ProcFile.bytes(statePath, sizeHint: Int(size.st_size)) else {
      return StateSnapshot(lineage: "")
    }
    do {
      let s = try StateSnapshotReader.read(bytes) ?? Self.decoder.decode(StateSnapshot.self, from: Data(bytes))
      guard s.version == StateSnapshot.formatVersion else {
        throw OperationError("format version \(s.version) is not supported (this reconcile reads version \(StateSnapshot.formatVersion))")
      }
      return s
    } catch {
      let why = (error as? OperationError)?.description ?? Self.describe(error)
      let previous = statePath + ".previous"
      let recovery =
        FileManager.default.fileExists(atPath: previous)
        ? "The previous version is kept in '\(previous)'; inspect both and restore one by hand"
        : "There is no previous version to go back to; restore it from a backup, or move it aside to start a new state (reconcile then adopts what the manifests declare and exists)"
      throw OperationError("the state file '\(statePath)' is corrupted: \(why). Nothing was changed. \(recovery)")
    }
  }

  static func describe(_ error: Error) -> String {
    switch error {
    case DecodingError.dataCorrupted(let c): return c.underlyingError.map { "\($0.localizedDescription)" } ?? c.debugDescription
    case DecodingError.keyNotFound(let k, let c): return "missing '\(k.stringValue)' at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
    case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
      return "\(c.debugDescription) at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
    default: return "\(error)"
    }
  }

  /// Writes a new serial of the state atomically, keeping the version it replaces as `state.json.previous`.
  public func save(_ snapshot: StateSnapshot) throws -> StateSnapshot {
    var next = snapshot
    next.serial += 1
    if next.lineage.isEmpty { next.lineage = UUID().uuidString.lowercased() }
    let data = try Self.encoder.encode(next)
    if FileManager.default.fileExists(atPath: statePath) {
      let prev = statePath + ".previous"
      unlink(prev + ".tmp")
      if link(statePath, prev + ".tmp") == 0 { rename(prev + ".tmp", prev) }
    }
    try HostFiles.write(data, to: statePath, mode: 0o600)
    try? FileManager.default.removeItem(atPath: journalPath)
    return next
  }

  // MARK: journal

  /// One completed step of an apply in progress.
  public struct JournalEntry: Codable, Sendable {
    public var id: ResourceID
    public var record: ResourceRecord?

    public init(id: ResourceID, record: ResourceRecord?) {
      self.id = id
      self.record = record
    }
  }

  /// Folds the journal of an interrupted apply into `state`; returns how many steps it recovered.
  public func recover(into state: inout StateSnapshot) -> Int {
    guard let data = FileManager.default.contents(atPath: journalPath) else { return 0 }
    var n = 0
    for line in data.split(separator: 0x0A) {
      guard let e = try? Self.decoder.decode(JournalEntry.self, from: Data(line)) else { continue }
      state.resources[e.id] = e.record
      if e.record?.provisional != true { n += 1 }
    }
    return n
  }

  /// The append-only journal of one apply, kept open for its duration.
  public final class Journal: @unchecked Sendable {
    let fd: Int32
    let path: String
    let lock = NSLock()

    init(path: String) throws {
      self.path = path
      fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
      guard fd >= 0 else { throw OperationError(doing: "open the journal '\(path)'", cause: .io(path: path, errno: errno, call: nil)) }
    }

    deinit { close(fd) }

    /// Appends one entry with a single write(2): it reaches the kernel at once and survives the process being killed.
    public func append(_ entry: JournalEntry) throws {
      var line = try JSONStateStore.lineEncoder.encode(entry)
      line.append(0x0A)
      let n = lock.withLock { line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
      guard n == line.count else { throw OperationError(doing: "append to the journal", cause: .io(path: path, errno: errno, call: nil)) }
    }
  }

  // MARK: history and reports

  /// Writes a drift report under `state/drift/` named by its time; returns the path.
  public func saveDriftReport(_ data: Data, time: Date, ext: String) throws -> String {
    try FileManager.default.createDirectory(atPath: driftDirectory, withIntermediateDirectories: true)
    let stamp = ISO8601DateFormatter().string(from: time).replacingOccurrences(of: ":", with: "")
    let path = "\(driftDirectory)/\(stamp).\(ext)"
    try HostFiles.write(data, to: path, mode: 0o644)
    return path
  }

  /// The key for hashing secrets in state (`secret-hash.key`, 32 random bytes, 0600), created on first use. A read-only
  /// command (`create: false`) before the first apply gets a key for this run only: there is no record to compare with.
  public func secretKey(create: Bool = true) throws -> [UInt8] {
    let path = directory + "/secret-hash.key"
    if let data = FileManager.default.contents(atPath: path), data.count == 32 { return Array(data) }
    guard let random = FileManager.default.contents(atPath: "/dev/urandom", maxBytes: 32) else {
      throw OperationError(doing: "read random bytes for '\(path)'")
    }
    let key = Array(random)
    if create { try HostFiles.write(Data(key), to: path, mode: 0o600) }
    return key
  }
}
