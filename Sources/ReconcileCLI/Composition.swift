import ReconcileCore
import ReconcileDrivers

/// The one place that builds concrete drivers and lists the kinds of this build.
enum Composition {
  static var registry: KindRegistry { .builtIn }

  static func drivers(environment: [String: String]) -> DriverSet {
    // The Docker kinds talk to $DOCKER_HOST (unix sockets only); no I/O happens until a Docker kind is observed.
    DriverSet([FileSystemDriver(), DockerDriver(environment: environment)])
  }

  /// The drivers with the host kinds, which need the manifests and state locations for scheduled runs.
  static func drivers(environment: [String: String], manifests: String, state: String, redactor: @escaping @Sendable () -> Redactor) -> DriverSet {
    let paths = JobPaths(binary: JobPaths.currentBinary(environment: environment), manifests: manifests, state: state)
    return DriverSet([FileSystemDriver(), DockerDriver(environment: environment), SystemdUnitDriver(redactor: redactor), JobDriver(paths: paths, redactor: redactor)])
  }
}
