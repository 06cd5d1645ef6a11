import Foundation

/// A set flag that a transfer polls to abort early (task cancellation, consumer done).
public final class TransferCancellation: @unchecked Sendable {
  private let lock = NSLock()
  private var flag = false

  public init() {}

  public var isSet: Bool { lock.withLock { flag } }

  /// Raises the flag; a running transfer stops at its next callback (at most about a second later).
  public func set() { lock.withLock { flag = true } }
}
