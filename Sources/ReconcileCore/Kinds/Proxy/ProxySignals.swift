/// What observation found about a certificate.
public enum CertificateSignal: Sendable, Hashable {
  /// Only the one-day self-signed placeholder is in place: issue.
  case placeholder
  /// The chain on disk cannot be read as a certificate (`why`): reissue.
  case unreadable(String)
  /// Expired `ago` seconds ago: renew.
  case expired(ago: Double)
  /// Expires within the renewal window, in `left` seconds: renew.
  case expiring(left: Double)

  /// True for a renewal of a certificate that was issued (not a first issuance or a repair).
  public var isRenewal: Bool {
    switch self {
    case .expired, .expiring: true
    case .placeholder, .unreadable: false
    }
  }

  public var reason: String {
    switch self {
    case .placeholder: "issue: only a placeholder certificate is in place"
    case .unreadable(let why): "reissue: \(why)"
    case .expired(let ago): "renew: expired \(CertificateSpec.span(ago)) ago"
    case .expiring(let left): "renew: expires in \(CertificateSpec.span(left))"
    }
  }
}

/// What observation found about a site's server.
public enum SiteSignal: Sendable, Hashable {
  /// The server at `prefix` is not running: start it.
  case notRunning(ProxyServerKind, prefix: String)
  /// Certificates changed since the server last loaded them: reload.
  case certificatesChanged(ProxyServerKind, certificates: [ResourceID])
  /// The running server serves another configuration than the live generation (a run killed between making a
  /// generation live and reloading, a reload the server took after reconcile gave up on it, a hand-made reload):
  /// `loaded` nil when the server's answer names no generation reconcile made.
  case configurationNotLoaded(ProxyServerKind, prefix: String, loaded: String?, live: String)
  /// nginx's upstream for a container reached on its network points at another address than the container's now.
  case upstreamMoved(container: String, from: String, to: String)

  public var reason: String {
    switch self {
    case .upstreamMoved(let container, let from, let to):
      "route: \(container) is at \(to.split(separator: ",").joined(separator: " and ")) now, nginx's upstream points at \(from.split(separator: ",").joined(separator: " and "))"
    case .notRunning(let server, let prefix): "start: \(server.rawValue) at '\(prefix)' is not running"
    case .certificatesChanged(let server, let certificates):
      "reload: \(certificates.map(\.description).joined(separator: ", ")) changed since \(server.rawValue) last loaded it"
    case .configurationNotLoaded(let server, let prefix, let loaded?, let live):
      "reload: \(server.rawValue) at '\(prefix)' serves generation \(loaded), not the live generation \(live)"
    case .configurationNotLoaded(let server, let prefix, nil, let live):
      "reload: \(server.rawValue) at '\(prefix)' serves a configuration that is not the live generation \(live)"
    }
  }
}
