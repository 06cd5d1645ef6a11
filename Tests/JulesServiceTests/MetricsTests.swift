import Foundation
import Testing
@testable import JulesService
import TestSupport

/// `/metrics` as the guide lists it, in Prometheus text a scraper accepts: every metric with `# HELP` and `# TYPE`,
/// counters named `_total`, latency per route, responses by class, Jules API latency and errors by type, WebSocket and
/// SSE clients apart, and the process's own figures.
@Suite struct MetricsTests {
  @Test func theGuidesMetricsAreThereAndWellFormed() throws {
    let api = try ScriptedJulesAPI()
    defer { api.shutdown() }
    api.script("GET /sessions/down", [.init(status: 503, body: "server_down")])
    let h = try ServiceHarness(["JULES_API_BASE": api.base, "POLL_INTERVAL_SECONDS": "3600"])
    defer { h.stop() }
    #expect(try h.request("/healthz", token: nil).status == 200)
    #expect(try h.request("/api/sessions", token: "wrong").status == 401)
    #expect(try h.request("/api/sessions/down").status == 502)
    let text = try h.request("/metrics", token: nil).text

    var helped: Set<String> = [], typed: [String: String] = [:]
    for line in text.split(separator: "\n") {
      let words = line.split(separator: " ")
      if line.hasPrefix("# HELP ") { helped.insert(String(words[2])) }
      if line.hasPrefix("# TYPE ") { typed[String(words[2])] = String(words[3]) }
    }
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      let name = String(line.prefix { $0 != "{" && $0 != " " })
      let family = typed[name] != nil ? name : ["_bucket", "_sum", "_count"].reduce(name) { n, s in n.hasSuffix(s) ? String(n.dropLast(s.count)) : n }
      #expect(helped.contains(family) && typed[family] != nil, "\(line) has no HELP/TYPE")
      #expect(Double(line.split(separator: " ").last ?? "") != nil, "\(line)")
    }
    for (name, type) in typed where type == "counter" { #expect(name.hasSuffix("_total"), "\(name)") }

    #expect(text.contains(#"jules_http_request_duration_seconds_count{route="/healthz"} 1"#))
    #expect(text.contains(#"jules_http_responses_total{class="4xx"} 1"#) && text.contains(#"jules_http_responses_total{class="5xx"} 1"#))
    #expect(text.contains(#"jules_api_errors_total{type="unavailable"} 4"#), "a 503 GET is asked 4 times: \(text)")
    #expect(text.contains(#"jules_api_request_duration_seconds_count{method="GET"}"#))
    #expect(text.contains("jules_websocket_clients 0") && text.contains("jules_sse_clients 0"))
    #expect(text.contains(#"jules_auth_failures_total{cause="token"} 1"#))
    let rss = text.split(separator: "\n").first { $0.hasPrefix("process_resident_memory_bytes ") }.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
    #expect(rss > 1 << 20, "RSS \(rss)")
    let fds = text.split(separator: "\n").first { $0.hasPrefix("process_open_fds ") }.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
    #expect(fds > 3)
    let start = text.split(separator: "\n").first { $0.hasPrefix("process_start_time_seconds ") }.flatMap { Double($0.split(separator: " ")[1]) } ?? 0
    #expect(abs(start - Date().timeIntervalSince1970) < 600)
  }
}
