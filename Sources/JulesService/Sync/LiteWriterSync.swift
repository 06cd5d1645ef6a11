import Foundation
import HostSystems
import Essentials

/// What one sync run did.
public struct SyncSummary: Codable, Sendable, Equatable {
  public var foldersCreated: [String] = []
  public var uploaded: [String] = []
  public var skipped = 0
  public var deleted: [String] = []
  public var durationMs = 0
}

/// Pushes `NOTES_DIR` to a LiteWriter WebDAV endpoint: `MKCOL` for folders, `PUT` for new and
/// changed files, nothing for files whose SHA-256 matches the last upload, `DELETE` for files
/// removed locally when deletions are enabled. Runs are serialised.
public final class LiteWriterSync: @unchecked Sendable {
  /// Remote state as last pushed: relative path -> content hash ("" for folders).
  struct Index: Codable { var files: [String: String] = [:]; var folders: Set<String> = [] }

  let notesDir: String
  let baseURL: String
  let client: HTTPClient
  let deleteRemote: Bool
  let indexPath: String?
  let failureThreshold: Int
  let alerts: AlertNotifier
  let metrics: MetricsRegistry
  let logger: JSONLogger
  private let lock = NSLock()
  private var index = Index()
  private var consecutiveFailures = 0

  public init(
    notesDir: String, baseURL: String, user: String?, password: String?, deleteRemote: Bool,
    indexPath: String?, failureThreshold: Int, alerts: AlertNotifier, metrics: MetricsRegistry, logger: JSONLogger
  ) {
    self.notesDir = notesDir.hasSuffix("/") ? String(notesDir.dropLast()) : notesDir
    self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    self.client = HTTPClient(timeoutSeconds: 30, username: user, password: password)
    self.deleteRemote = deleteRemote
    self.indexPath = indexPath
    self.failureThreshold = failureThreshold
    self.alerts = alerts
    self.metrics = metrics
    self.logger = logger
    if let indexPath, let data = FileManager.default.contents(atPath: indexPath),
      let loaded = try? JSONDecoder().decode(Index.self, from: data)
    {
      index = loaded
    }
  }

  public var failures: Int { lock.lock(); defer { lock.unlock() }; return consecutiveFailures }

  /// Runs one sync. On failure counts it, and on reaching the threshold sends an alert with the error.
  public func sync() throws -> SyncSummary {
    lock.lock()
    defer { lock.unlock() }
    let start = systemMonotonicSeconds()
    do {
      var summary = try push()
      summary.durationMs = Int((systemMonotonicSeconds() - start) * 1000)
      consecutiveFailures = 0
      metrics.syncRun(failed: false)
      saveIndex()
      logger.info(
        "litewriter sync finished",
        [
          "uploaded": summary.uploaded.count, "skipped": summary.skipped,
          "deleted": summary.deleted.count, "folders": summary.foldersCreated.count,
        ])
      return summary
    } catch {
      saveIndex()
      consecutiveFailures += 1
      metrics.syncRun(failed: true)
      logger.warn("litewriter sync failed", ["error": "\(error)", "consecutive": consecutiveFailures])
      if consecutiveFailures >= failureThreshold {
        alerts.alert(
          kind: "litewriter_sync_failed",
          message: "LiteWriter sync failed \(consecutiveFailures) times in a row: \(error)",
          details: ["consecutiveFailures": String(consecutiveFailures)])
      }
      throw error
    }
  }

  private func push() throws -> SyncSummary {
    var summary = SyncSummary()
    let (folders, files) = try scan()
    for folder in folders where !index.folders.contains(folder) {
      let r = try client.send("MKCOL", url(folder) + "/")
      // 405: the collection already exists.
      guard r.status == 201 || r.status == 405 else { throw failure("MKCOL", folder, r.status) }
      index.folders.insert(folder)
      summary.foldersCreated.append(folder)
    }
    for file in files {
      let path = notesDir + "/" + file
      guard let data = FileManager.default.contents(atPath: path) else {
        throw JulesError("could not sync note '\(file)': cannot read '\(path)'")
      }
      let bytes = Array(data)
      let hash = SHA256.hash(bytes: bytes).hex
      if index.files[file] == hash { summary.skipped += 1; continue }
      let r = try client.send("PUT", url(file), headers: [("Content-Type", "application/octet-stream")], body: bytes)
      guard (200..<300).contains(r.status) else { throw failure("PUT", file, r.status) }
      index.files[file] = hash
      summary.uploaded.append(file)
    }
    if deleteRemote {
      let present = Set(files)
      for file in index.files.keys.sorted() where !present.contains(file) {
        let r = try client.send("DELETE", url(file))
        guard (200..<300).contains(r.status) || r.status == 404 else { throw failure("DELETE", file, r.status) }
        index.files[file] = nil
        summary.deleted.append(file)
      }
      let presentFolders = Set(folders)
      for folder in index.folders.sorted(by: >) where !presentFolders.contains(folder) {
        let r = try client.send("DELETE", url(folder) + "/")
        guard (200..<300).contains(r.status) || r.status == 404 else { throw failure("DELETE", folder, r.status) }
        index.folders.remove(folder)
        summary.deleted.append(folder + "/")
      }
    }
    return summary
  }

  /// Relative folder and file paths under `notesDir`, sorted; hidden entries are skipped.
  func scan() throws -> (folders: [String], files: [String]) {
    let fm = FileManager.default
    var isDir: ObjCBool = false
    guard fm.fileExists(atPath: notesDir, isDirectory: &isDir), isDir.boolValue else {
      throw JulesError("could not sync notes: NOTES_DIR '\(notesDir)' is not a directory")
    }
    guard let items = fm.enumerator(atPath: notesDir) else {
      throw JulesError("could not sync notes: cannot list '\(notesDir)'")
    }
    var folders: [String] = [], files: [String] = []
    while let rel = items.nextObject() as? String {
      if rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
      var d: ObjCBool = false
      guard fm.fileExists(atPath: notesDir + "/" + rel, isDirectory: &d) else { continue }
      if d.boolValue { folders.append(rel) } else { files.append(rel) }
    }
    return (folders.sorted(), files.sorted())
  }

  func url(_ rel: String) -> String {
    let encoded = rel.split(separator: "/").map { PercentEncoding.encode(String($0)) }
    return baseURL + "/" + encoded.joined(separator: "/")
  }

  func failure(_ method: String, _ rel: String, _ status: Int) -> JulesError {
    JulesError("could not sync note '\(rel)': LiteWriter answered \(status) on \(method)")
  }

  private func saveIndex() {
    guard let indexPath, let data = try? JSONEncoder().encode(index) else { return }
    try? AtomicWrite.write(data, to: indexPath, AtomicWrite.Options(mode: 0o644))
  }
}
