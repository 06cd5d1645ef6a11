import Testing

@testable import ReconcileCLI

@Suite struct HistogramTests {
  /// A fixed size however many it observed, and the exposition text Prometheus reads.
  @Test func countsPerBucketSumAndCountAsExpositionLines() {
    var h = Histogram(bounds: [0.1, 1, 10])
    for v in [0.07, 0.5, 3, 30] { h.observe(v) }
    for _ in 0..<10_000 { h.observe(0.2) }
    #expect(h.buckets == [1, 10_002, 10_003])
    #expect(h.count == 10_004)
    #expect(
      Array(h.lines("x_seconds", labels: "kind=\"file\"").prefix(4)) == [
        "x_seconds_bucket{kind=\"file\",le=\"0.1\"} 1", "x_seconds_bucket{kind=\"file\",le=\"1.0\"} 10002",
        "x_seconds_bucket{kind=\"file\",le=\"10.0\"} 10003", "x_seconds_bucket{kind=\"file\",le=\"+Inf\"} 10004",
      ])
    #expect(h.lines("x_seconds").last == "x_seconds_count 10004")
    #expect(h.lines("x_seconds").dropLast().last?.hasPrefix("x_seconds_sum 2033.") == true)
  }
}
