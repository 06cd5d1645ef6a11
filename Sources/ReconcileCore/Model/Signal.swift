/// What a kind found on the host beyond comparing attributes, as a typed value: one enum per kind family.
/// The plan's reason is rendered from it (`reason`); drivers and alerts decide on the value, never on the text.
public enum Signal: Sendable, Hashable {
  case container(ContainerSignal)
  case image(ImageSignal)
  case unit(UnitSignal)
  /// The run records of a job or a backup.
  case run(RunSignal)
  case certificate(CertificateSignal)
  case site(SiteSignal)
  /// What Swarm does by itself with a service.
  case service(ServiceSignal)
  /// An installed artifact (a cron file, a timer) differs from what was installed, as its driver describes it.
  case artifactChanged(String)

  /// What applying cannot change, only report: a job's or a backup's runs (a failing job fails again until its
  /// command or what it depends on is fixed).
  public var isReportOnly: Bool {
    if case .run = self { return true }
    if case .service = self { return true }
    return false
  }

  /// The reason as the plan shows it.
  public var reason: String {
    switch self {
    case .container(let s): s.reason
    case .image(let s): s.reason
    case .unit(let s): s.reason
    case .run(let s): s.reason
    case .certificate(let s): s.reason
    case .site(let s): s.reason
    case .service(let s): s.reason
    case .artifactChanged(let what): what
    }
  }
}
