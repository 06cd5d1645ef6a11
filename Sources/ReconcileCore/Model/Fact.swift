/// The name of a runtime fact an observer reports beside the attributes: one closed list, so a driver and the kind
/// that reads its facts cannot disagree on a spelling. Values are text; each case says what it holds.
public enum Fact: String, Sendable, Hashable, Comparable, CaseIterable {
  // Any kind.
  /// The create would fail: an object reconcile does not manage holds the wanted name (why, for the plan).
  case conflict
  /// Something the operator should know about how the object is handled here (shown under the plan).
  case note

  // file, directory.
  /// `file`, `directory` or `other`.
  case type
  /// The object exists but cannot be read (for a certificate: why).
  case unreadable
  /// For a directory that does not exist: the top-most of its missing parents, which the create makes too.
  case missingParent

  // image, network; container.
  /// The Engine's ID of the object.
  case id
  /// The build source digest the image was built from (its label).
  case sourceDigest
  /// The build source digest now.
  case currentDigest
  /// Why the build source could not be digested.
  case sourceError
  /// For an image pulled from a registry: the digest the registry has now, and the one the image here came with.
  case registryDigest
  case localDigest
  /// For an image pushed after its build: the references (one per line) the registry does not have as this image.
  case unpushed
  /// A volume's mountpoint on the host.
  case mountpoint
  /// A container's state: created, running, paused, restarting, exited, dead.
  case state
  /// The exit code of an exited container.
  case exitCode
  /// starting, healthy, unhealthy.
  case health
  /// The image reference the container was created from (its label).
  case imageRef
  /// The ID of the image the container runs.
  case imageID
  /// For a container that names a local reference: the ID that reference points to now.
  case referenceImageID
  /// Names of the temporary copies an interrupted start-first replacement left running (comma-separated).
  case leftoverCopies
  /// A service's running tasks and the number it should have: `2 3`.
  case tasks
  /// The state and message of a service's last update, as Swarm reports them.
  case updateState
  case updateMessage
  /// The nodes that are not ready and had tasks of the service (comma-separated host names).
  case downNodes
  /// The errors of a service's latest failed tasks (`task: non-zero exit (1)`).
  case taskError
  /// After Swarm rolled an update back: the config hash of the spec that failed (the service's previous spec).
  case rolledBackConfigHash
  /// The share (percent) at which a canary of the desired version was interrupted; its copy is resumed, not removed.
  case interruptedRollout
  /// The version a blue-green kept running (`keepPrevious`): `NAME CONFIGHASH IMAGEID CURRENTCONFIGHASH`, and until
  /// when it is kept (ISO 8601), absent once that is past or nothing keeps it any more.
  case keptPrevious
  case keptPreviousUntil
  /// The replicas beyond the first and their states: `app-2=running,app-3=exited`.
  case replicas

  // unit: what systemd reports.
  /// `running` when systemd is PID 1 here, `offline` otherwise.
  case systemd
  case activeState = "ActiveState"
  case subState = "SubState"
  case restarts = "NRestarts"

  // job, backup: from the run records and the installed artifacts (times in seconds since 1970).
  case lastRun
  case lastSuccess
  /// The last run that produced a verified backup.
  case lastGood
  /// Consecutive failed runs.
  case failures
  /// `exit status N` or `timed out`.
  case lastStatus
  case installedAt
  /// How an installed artifact (cron file, timer) differs from what reconcile installs.
  case artifact

  // certificate.
  /// The end of validity, seconds since 1970.
  case notAfter
  case issuerName
  /// `true` for the self-signed stand-in a site starts with before issuance.
  case placeholder

  // site.
  /// Whether the managed server runs (`true`/`false`).
  case running
  /// Digests of the certificates the server loaded, and of those on disk now (comma-separated, in order).
  case loadedCertificates = "certificates.loaded"
  case currentCertificates = "certificates.current"
  /// The generation the running server says it loaded (`unknown` when its answer names none), and the one `live`
  /// points at: they differ when the server serves another configuration than the recorded one.
  case loadedGeneration
  case liveGeneration
  /// For a route to a container on its network: `container/NAME ADDRESS_IN_ROUTES ADDRESS_NOW` when nginx's upstream
  /// points elsewhere than where the container is (recreated or restarted behind reconcile's back).
  case upstreamMoved

  public static func < (a: Fact, b: Fact) -> Bool { a.rawValue < b.rawValue }
}
