import Foundation

/// Image reference spelling as the Engine lists it in `RepoTags`.
enum DockerImageReference {
  /// `busybox` -> `busybox:latest`; `local/x:1` unchanged; digests unchanged.
  static func normalized(_ reference: String) -> String {
    if reference.contains("@") { return reference }
    let lastSegment = reference.split(separator: "/").last ?? ""
    return lastSegment.contains(":") ? reference : reference + ":latest"
  }
}
