import Dispatch

/// Runs a test's tasks on a thread of their own (a serial queue over GCD's overcommitting pool), not on Swift's
/// cooperative pool, which has one thread per core: a timing-sensitive test stays independent of other tests that
/// block those threads with synchronous waits (processes, polling).
public final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
  let queue: DispatchQueue

  public init(_ label: String = "tests.dedicated") {
    queue = DispatchQueue(label: label)
  }

  public func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
  }
}
