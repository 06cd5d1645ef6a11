import Foundation
import ReconcileCore

/// Image reference spelling as the Engine lists it in `RepoTags`.
enum DockerImageReference {
  /// `busybox` -> `busybox:latest`; `local/x:1` unchanged; digests unchanged.
  static func normalized(_ reference: String) -> String { ImageReferenceText.normalized(reference) }

  /// `registry:5000/team/app:1` -> (`registry:5000/team/app`, `1`); no tag: `latest`. Not for digest references.
  static func split(_ reference: String) -> (repository: String, tag: String) {
    let full = normalized(reference)
    let colon = full.lastIndex(of: ":")!
    return (String(full[..<colon]), String(full[full.index(after: colon)...]))
  }
}
