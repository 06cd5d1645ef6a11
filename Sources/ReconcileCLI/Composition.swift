import ReconcileCore
import ReconcileDrivers

/// The one place that builds concrete drivers and lists the kinds of this build.
enum Composition {
  static var registry: KindRegistry { .builtIn }

  /// Every driver of this build. The Docker kinds talk to $DOCKER_HOST (unix sockets only) and no I/O happens
  /// until a Docker kind is observed; the host kinds need the manifests and state locations for scheduled runs.
  static func drivers(
    environment: [String: String], manifests: String, state: String, options: [String] = [], redactor: @escaping @Sendable () -> Redactor
  ) -> DriverSet {
    let paths = JobPaths(
      binary: JobPaths.currentBinary(environment: environment), manifests: manifests, state: state, options: options,
      environment: JobPaths.passedEnvironment(environment))
    var docker = DockerDriver(environment: environment, retention: ImageRetention { GenerationStore(stateDirectory: state).keptImageIDs() })
    docker.rollouts = RolloutGate(directory: state + "/rollouts")
    docker.secretKey = { try? JSONStateStore(directory: state).secretKey() }
    return DriverSet([
      FileSystemDriver(), docker, SiteDriver(), CertificateDriver(),
      SystemdUnitDriver(redactor: redactor), JobDriver(paths: paths, redactor: redactor), AccountDriver(),
    ])
  }
}
