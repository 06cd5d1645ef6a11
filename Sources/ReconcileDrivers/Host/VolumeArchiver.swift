import Foundation
import ReconcileCore

/// Reads a Docker named volume through the Engine's archive endpoint: a helper container is created (never
/// started) with the volume mounted read-only, and `docker cp HELPER:/volume -` streams
/// `GET /containers/{id}/archive?path=/volume` as a tar. The helper is removed afterwards.
struct VolumeArchiver: Sendable {
  /// Volume files live under `data/docker-volumes/NAME/` in an archive.
  static let prefix = "docker-volumes"

  let docker: [String]

  /// Removes the helper containers a killed run of `backup` left (by their labels; best effort).
  func removeHelpers(of backup: ResourceID) {
    let filters = ["--filter", "label=\(DockerLabel.backupHelper)=1", "--filter", "label=\(DockerLabel.resource)=\(backup)"]
    guard let list = try? ProcessRunner.run(docker + ["ps", "-aq"] + filters), list.status == 0 else { return }
    let ids = list.output.split(whereSeparator: \.isWhitespace).map(String.init)
    if !ids.isEmpty { _ = try? ProcessRunner.run(docker + ["rm", "-f"] + ids) }
  }

  /// Where the Engine keeps the volume's files on this host (`docker volume inspect -f {{.Mountpoint}}`).
  func mountpoint(_ volume: String) throws -> String {
    let r = try ProcessRunner.run(docker + ["volume", "inspect", "-f", "{{.Mountpoint}}", volume])
    let path = r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    guard r.status == 0, path.hasPrefix("/") else { throw r.failure(doing: "find the Docker volume '\(volume)'") }
    return path
  }

  /// Extracts the volume's files into `directory` (created), using `scratch` for the tar stream.
  func export(_ source: BackupSpec.Source, of backup: ResourceID, into directory: String, scratch: String) throws {
    let volume = source.path
    let exists = try ProcessRunner.run(docker + ["volume", "inspect", volume])
    guard exists.status == 0 else { throw exists.failure(doing: "read the Docker volume '\(volume)'") }
    let helper = "reconcile-backup-" + UUID().uuidString.prefix(8).lowercased()
    let create = try ProcessRunner.run(
      docker + [
        "create", "--name", helper, "--label", "\(DockerLabel.backupHelper)=1", "--label", "\(DockerLabel.resource)=\(backup)", "-v", "\(volume):/volume:ro",
        source.helperImage ?? "", "true",
      ], diesWithParent: true)
    guard create.status == 0 else { throw create.failure(doing: "create the helper container for the Docker volume '\(volume)'") }
    defer { _ = try? ProcessRunner.run(docker + ["rm", "-f", helper]) }
    let tar = "\(scratch)/volume-\(helper).tar"
    defer { try? FileManager.default.removeItem(atPath: tar) }
    let quoted = docker.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    let copy = try ProcessRunner.run(["/bin/sh", "-c", "\(quoted) cp \"$1:/volume\" - > \"$2\"", "sh", helper, tar], diesWithParent: true)
    guard copy.status == 0 else { throw copy.failure(doing: "read the Docker volume '\(volume)' through its helper container") }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let extract = try ProcessRunner.run(["tar", "-xf", tar, "-C", directory, "--strip-components=1"], diesWithParent: true)
    guard extract.status == 0 else { throw extract.failure(doing: "unpack the archive of the Docker volume '\(volume)'") }
  }
}
