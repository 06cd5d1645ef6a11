/// A Prometheus histogram: a count per bucket, the sum and the count of what it observed, the same size however many
/// observations (the run durations were kept one by one: a controller that runs for months held them all).
struct Histogram {
  let bounds: [Double]
  private(set) var buckets: [Int]
  private(set) var sum = 0.0
  private(set) var count = 0

  init(bounds: [Double]) {
    self.bounds = bounds
    self.buckets = Array(repeating: 0, count: bounds.count)
  }

  mutating func observe(_ value: Double) {
    for (i, b) in bounds.enumerated() where value <= b { buckets[i] += 1 }
    sum += value
    count += 1
  }

  /// Its exposition lines: `name_bucket{labels,le="…"}`, `+Inf`, `name_sum`, `name_count`.
  func lines(_ name: String, labels: String = "") -> [String] {
    let prefix = labels.isEmpty ? "" : labels + ","
    let plain = labels.isEmpty ? "" : "{\(labels)}"
    var out = zip(bounds, buckets).map { b, n in "\(name)_bucket{\(prefix)le=\"\(b)\"} \(n)" }
    out.append("\(name)_bucket{\(prefix)le=\"+Inf\"} \(count)")
    out.append("\(name)_sum\(plain) \(sum)")
    out.append("\(name)_count\(plain) \(count)")
    return out
  }
}
