import Foundation
import ReconcileCore

/// Observation of many independent targets (files, certificates: a few system calls and some parsing each) in one
/// share per core when there are enough of them to pay for the tasks.
enum SharedObservation {
  static func observe(
    _ targets: [ObserveTarget], atLeast: Int, _ observe: @escaping @Sendable (ArraySlice<ObserveTarget>) -> [ResourceID: Observation]
  ) async -> [ResourceID: Observation] {
    let shares = targets.count < atLeast ? 1 : max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
    if shares == 1 { return observe(targets[...]) }
    let size = (targets.count + shares - 1) / shares
    return await withTaskGroup(of: [ResourceID: Observation].self) { group in
      for start in stride(from: 0, to: targets.count, by: size) {
        let share = targets[start..<min(start + size, targets.count)]
        group.addTask { observe(share) }
      }
      var out: [ResourceID: Observation] = [:]
      out.reserveCapacity(targets.count)
      for await part in group { out.merge(part) { a, _ in a } }
      return out
    }
  }
}
