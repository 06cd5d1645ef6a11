/// An error whose text names the object, the operation and the cause.
public struct HTTPKitError: Error, CustomStringConvertible, Equatable, Sendable {
  public let description: String
  /// The exchange ran out of time (connect or whole), as opposed to failing.
  public var isTimeout = false
  public init(_ description: String, isTimeout: Bool = false) {
    self.description = description
    self.isTimeout = isTimeout
  }
}
