import Foundation

/// A monotonic clock reading in seconds; injected so limiters and windows can be tested.
public typealias MonotonicClock = @Sendable () -> Double

public func systemMonotonicSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
