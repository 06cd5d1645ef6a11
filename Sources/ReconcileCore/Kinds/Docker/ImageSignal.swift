/// What observation found about a managed image: its source moved since it was built, so it is rebuilt.
public enum ImageSignal: Sendable, Hashable {
  /// The build context (or, for an import, the tarball) now digests differently (digests shortened).
  case sourceChanged(SourceKind, from: String, to: String)

  public enum SourceKind: Sendable, Hashable { case buildContext, tarball }

  public var reason: String {
    switch self {
    case .sourceChanged(let kind, let from, let to):
      "\(kind == .buildContext ? "build context changed" : "import tarball changed"): '\(from)' -> '\(to)'"
    }
  }
}
