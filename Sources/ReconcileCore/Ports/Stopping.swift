import Foundation

/// Whether this process was asked to stop (the controller's SIGTERM or SIGINT). Most steps finish what they started
/// first; a rollout, which can hold a step for minutes or wait at a `"pause"` for a person, stops where it is instead:
/// its position is recorded, and the next run goes on from there.
public enum Stopping {
  private static let flag = Flag()

  private final class Flag: @unchecked Sendable {
    let lock = NSLock()
    var value = false
  }

  public static var requested: Bool { flag.lock.withLock { flag.value } }

  public static func request() { flag.lock.withLock { flag.value = true } }
}
