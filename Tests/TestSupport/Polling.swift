import Foundation

/// Polls `condition` every `interval` seconds until it holds or `seconds` pass; true when it held. Never a fixed
/// sleep: a condition that holds returns at once.
public func eventually(within seconds: Double, every interval: Double = 0.02, _ condition: () throws -> Bool) rethrows -> Bool {
  let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
  while ContinuousClock.now < deadline {
    if try condition() { return true }
    usleep(useconds_t(interval * 1_000_000))
  }
  return try condition()
}

/// The same for a condition that awaits: sleeps the task, not the thread, between tries.
public func eventuallyAsync(within seconds: Double, every interval: Duration = .milliseconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
  let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
  while ContinuousClock.now < deadline {
    if try await condition() { return true }
    try? await Task.sleep(for: interval)
  }
  return try await condition()
}
