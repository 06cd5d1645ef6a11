import Foundation

/// The executor's bound on steps at work. A step that only waits (a new container's start holding for its grace
/// period, or until healthy) gives its place to the next ready step meanwhile (`StepSlots.waiting`) and takes one back
/// before it goes on: 50 new containers at parallelism 4 no longer wait 2 s each, 4 at a time.
public final class StepSlots: @unchecked Sendable {
  /// The slots of the step this task runs, when it runs under an executor.
  @TaskLocal public static var current: StepSlots?

  private let lock = NSLock()
  private var free: Int
  /// Steps back from a wait, in the order they came back: served before any new step.
  private var returning: [CheckedContinuation<Void, Never>] = []
  /// The executor, waiting for a place to start another step.
  private var watcher: CheckedContinuation<Void, Never>?
  private var freedMeanwhile = false

  public init(_ places: Int) { free = max(1, places) }

  /// For the executor: takes a place when one is free and no step coming back waits for it.
  public func tryTake() -> Bool {
    lock.withLock {
      guard free > 0, returning.isEmpty else { return false }
      free -= 1
      return true
    }
  }

  /// A place back: to a step coming back from a wait, else to the pool (and the executor hears of it).
  public func give() {
    let wake: CheckedContinuation<Void, Never>? = lock.withLock {
      if !returning.isEmpty { return returning.removeFirst() }
      free += 1
      defer { watcher = nil }
      if watcher == nil { freedMeanwhile = true }
      return watcher
    }
    wake?.resume()
  }

  /// A place for a step coming back from a wait.
  public func take() async {
    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
      let now: Bool = lock.withLock {
        if free > 0 && returning.isEmpty {
          free -= 1
          return true
        }
        returning.append(c)
        return false
      }
      if now { c.resume() }
    }
  }

  /// For the executor: returns once a place may have been freed (or `stop` was called).
  public func placeFreed() async {
    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
      let now: Bool = lock.withLock {
        if freedMeanwhile {
          freedMeanwhile = false
          return true
        }
        watcher = c
        return false
      }
      if now { c.resume() }
    }
  }

  /// Ends the executor's wait for a place (nothing runs any more).
  public func stop() {
    let wake: CheckedContinuation<Void, Never>? = lock.withLock {
      defer { watcher = nil }
      if watcher == nil { freedMeanwhile = true }
      return watcher
    }
    wake?.resume()
  }

  /// Runs `body` (a wait) without holding a place; outside an executor, just runs it.
  public static func waiting<T>(_ body: () async throws -> T) async rethrows -> T {
    guard let slots = current else { return try await body() }
    slots.give()
    do {
      let result = try await body()
      await slots.take()
      return result
    } catch {
      await slots.take()
      throw error
    }
  }
}
