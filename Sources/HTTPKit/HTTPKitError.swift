/// An error whose text names the object, the operation and the cause.
public struct HTTPKitError: Error, CustomStringConvertible, Equatable, Sendable {
  public let description: String
  public init(_ description: String) { self.description = description }
}
