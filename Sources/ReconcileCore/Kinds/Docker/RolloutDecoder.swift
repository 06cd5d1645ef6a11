import Foundation

/// Reads a container's `update` for the `canary` and `blue-green` strategies: `steps`, `interval`, `analysis`, and
/// blue-green's `keepPrevious`.
enum RolloutDecoder {
  static func decode(_ strategy: String, _ u: inout FieldReader) -> Rollout {
    var rollout = Rollout(
      strategy: strategy == "canary" ? .canary : .blueGreen, steps: strategy == "canary" ? [.percent(10), .percent(50), .percent(100)] : [.percent(100)],
      interval: 30)
    if let steps = u.list(
      "steps", of: "steps", each: "a whole number of percent or \"pause\"",
      { v -> RolloutStep? in
        if case .number(let n) = v, let i = Int(exactly: n) { return .percent(i) }
        if case .string(let t) = v, t.value == "pause" { return .pause }
        return nil
      })?.map(\.item)
    {
      let shares = steps.compactMap { if case .percent(let p) = $0 { p } else { nil } }
      if rollout.strategy == .blueGreen {
        u.report("steps", "blue-green moves all traffic at once; steps are for \"strategy\": \"canary\"")
      } else if shares.isEmpty || !shares.allSatisfy({ (1...100).contains($0) }) || zip(shares, shares.dropFirst()).contains(where: { $0 >= $1 }) {
        u.report("steps", "expected increasing percentages between 1 and 100 (and \"pause\" where a person decides), like [10, \"pause\", 50], got \(steps.map(\.description))")
      } else {
        rollout.steps = shares.last == 100 && steps.last != .pause ? steps : steps + [.percent(100)]
      }
    }
    if let interval = u.duration("interval") {
      if interval > 0 { rollout.interval = interval } else { u.report("interval", "expected a duration greater than zero") }
    }
    if let keep = u.duration("keepPrevious") {
      if rollout.strategy != .blueGreen {
        u.report("keepPrevious", "the previous version is kept by \"strategy\": \"blue-green\", which switches all traffic at once")
      } else if keep > 0 {
        rollout.keepPrevious = keep
      } else {
        u.report("keepPrevious", "expected a duration greater than zero")
      }
    }
    if var a = u.object("analysis") {
      if let rate = a.number("maxErrorRate", in: 0...100) { rollout.analysis.maxErrorRate = rate }
      if let p95 = a.duration("maxP95") {
        if p95 > 0 { rollout.analysis.maxP95 = p95 } else { a.report("maxP95", "expected a duration greater than zero") }
      }
      if let failures = a.int("maxHealthFailures", in: 1...1000) { rollout.analysis.maxHealthFailures = failures }
      if let memory = a.number("maxMemory", in: 1...100) { rollout.analysis.maxMemory = memory }
      if let min = a.int("minRequests", in: 1...1_000_000) { rollout.analysis.minRequests = min }
      a.finish()
    }
    return rollout
  }
}
