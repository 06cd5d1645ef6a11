/// What observation found about an image: its source moved since it was built (rebuilt), the registry moved (pulled),
/// or a rollback wants another image under its reference (tagged again).
public enum ImageSignal: Sendable, Hashable {
  /// The build context (or, for an import, the tarball) now digests differently (digests shortened).
  case sourceChanged(SourceKind, from: String, to: String)
  /// The registry has another image under the reference than the one here (`pull: always`): it is pulled.
  case registryMoved(reference: String, from: String, to: String)

  /// A rollback puts the image that generation `generation` ran back under the reference (IDs shortened).
  case pinned(reference: String, generation: Int, from: String, to: String)

  /// The registry does not have this image under these references (`push`): they are pushed.
  case unpushed([String])

  public enum SourceKind: Sendable, Hashable { case buildContext, tarball }

  public var reason: String {
    switch self {
    case .sourceChanged(let kind, let from, let to):
      "\(kind == .buildContext ? "build context changed" : "import tarball changed"): '\(from)' -> '\(to)'"
    case .registryMoved(let reference, let from, let to):
      "the registry has a new digest for '\(reference)': \(from) -> \(to)"
    case .unpushed(let references):
      "not in the registry yet as this image: \(references.map { "'\($0)'" }.joined(separator: ", "))"
    case .pinned(let reference, let generation, let from, let to):
      "'\(reference)' goes back to the image of generation \(generation): \(from) -> \(to)"
    }
  }
}
