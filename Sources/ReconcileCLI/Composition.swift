import ReconcileCore
import ReconcileDrivers

/// The one place that builds concrete drivers and lists the kinds of this build.
enum Composition {
  static var registry: KindRegistry { .builtIn }

  static func drivers(environment: [String: String]) -> DriverSet {
    // The Docker kinds talk to $DOCKER_HOST (unix sockets only); no I/O happens until a Docker kind is observed.
    DriverSet([FileSystemDriver(), DockerDriver(environment: environment), SiteDriver(), CertificateDriver()])
  }
}
