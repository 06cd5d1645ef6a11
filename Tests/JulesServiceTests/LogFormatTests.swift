import Foundation
import Testing
@testable import JulesService
import Essentials

/// Log lines as pino writes them, which the peer's operators parse: numeric levels, epoch-millisecond times, pid,
/// hostname, msg; request lines in pino-http's shape at debug only; `LOG_LEVEL` honoured.
@Suite struct LogFormatTests {
  static func objects(_ lines: [String]) throws -> [[String: Any]] {
    try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not a JSON object: \($0)") }
  }

  @Test func linesArePinoLinesAndRequestsAreDebug() throws {
    let lines = Locked([String]())
    let logger = JSONLogger(minimum: .debug, sink: { l in lines.withLock { $0.append(l) } })
    let service = try JulesService(
      config: try JulesConfig.load(environment: [
        "LOCAL_TOKEN": "t0k3n-0123456789", "JULES_API_KEY": "k3y", "HOST": "127.0.0.1", "PORT": "0", "JULES_API_BASE": "http://127.0.0.1:9/v1alpha",
        "NOTES_WATCH": "0",
      ]), logger: logger)
    try service.start()
    _ = try HTTPClient(timeoutSeconds: 5).send("GET", "http://127.0.0.1:\(service.port)/healthz", headers: [("X-Request-Id", "req-42")])
    service.shutdown(grace: 1)
    let all = try Self.objects(lines.current)
    let now = Int(Date().timeIntervalSince1970 * 1000)
    for o in all {
      #expect([20, 30, 40, 50].contains(o["level"] as? Int ?? 0), "\(o)")
      #expect(abs((o["time"] as? Int ?? 0) - now) < 60_000, "\(o)")
      #expect(o["pid"] as? Int == Int(getpid()) && !(o["hostname"] as? String ?? "").isEmpty && o["msg"] is String, "\(o)")
    }
    #expect(all.contains { $0["msg"] as? String == "jules started" && $0["level"] as? Int == 30 })
    let request = try #require(all.first { $0["msg"] as? String == "request completed" })
    #expect(request["level"] as? Int == 20)
    let req = try #require(request["req"] as? [String: Any])
    #expect(req["id"] as? String == "req-42" && req["method"] as? String == "GET" && req["url"] as? String == "/healthz")
    #expect((request["res"] as? [String: Any])?["statusCode"] as? Int == 200 && request["responseTime"] is Double)
    #expect(!lines.current.joined().contains("t0k3n-0123456789") && !lines.current.joined().contains("k3y\""))
  }

  @Test func infoLeavesRequestsOutAndSilentWritesNothing() throws {
    let info = Locked([String]())
    let quiet = JSONLogger(minimum: .info, sink: { l in info.withLock { $0.append(l) } })
    quiet.debug("request completed")
    quiet.info("kept")
    #expect(info.current.count == 1)
    let silent = JSONLogger(minimum: nil, sink: { l in info.withLock { $0.append(l) } })
    silent.error("dropped")
    #expect(info.current.count == 1)
  }

  @Test func logLevelIsReadAsPinoSpellsIt() throws {
    let base = ["LOCAL_TOKEN": "t0k3n-0123456789", "JULES_API_KEY": "k"]
    #expect(try JulesConfig.load(environment: base.merging(["LOG_LEVEL": "debug"]) { $1 }).logLevel == .debug)
    #expect(try JulesConfig.load(environment: base.merging(["LOG_LEVEL": "silent"]) { $1 }).logLevel == nil)
    #expect(try JulesConfig.load(environment: base).logLevel == .info)
    #expect(throws: JulesError.self) { try JulesConfig.load(environment: base.merging(["LOG_LEVEL": "verbose"]) { $1 }) }
  }

  @Test func theServersOwnMessagesAreThrottledJSONLines() throws {
    let lines = Locked([String]())
    let now = Locked(100.0)
    let log = ServerMessageLog(logger: JSONLogger(sink: { l in lines.withLock { $0.append(l) } }), clock: { now.current })
    for _ in 0..<50 { log.record("Server reached connection limit. Closing inbound connection.") }
    now.withLock { $0 = 101.2 }
    log.record("Server reached connection limit. Closing inbound connection.")
    let all = try Self.objects(lines.current)
    #expect(all.count == 2 && all.allSatisfy { $0["level"] as? Int == 40 && $0["msg"] as? String == "http server" })
    #expect(all.map { $0["suppressed_since_last"] as? Int } == [0, 49])
  }
}
