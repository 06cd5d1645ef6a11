import ReconcileCore
import ReconcileDrivers

/// The one place that builds concrete drivers and lists the kinds of this build.
enum Composition {
  static var registry: KindRegistry { .builtIn }

  static func drivers(environment: [String: String]) -> DriverSet {
    DriverSet([FileSystemDriver()])
  }
}
