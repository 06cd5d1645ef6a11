/// What observation found about a managed image: its source moved since it was built, so it is rebuilt.
public enum ImageSignal: Sendable, Hashable {
  /// The build context (or, for an import, the tarball) now digests differently (digests shortened).
  case sourceChanged(SourceKind, from: String, to: String)
  /// The registry has another image under the reference than the one here (`pull: always`): it is pulled.
  case registryMoved(reference: String, from: String, to: String)

  public enum SourceKind: Sendable, Hashable { case buildContext, tarball }

  public var reason: String {
    switch self {
    case .sourceChanged(let kind, let from, let to):
      "\(kind == .buildContext ? "build context changed" : "import tarball changed"): '\(from)' -> '\(to)'"
    case .registryMoved(let reference, let from, let to):
      "the registry has a new digest for '\(reference)': \(from) -> \(to)"
    }
  }
}
