import Foundation
import JulesService
import TestSupport

/// The real `jules` executable (built beside the test bundle) on a port of its own, its JSON log lines kept in a
/// file: the peer's test cases run against it as a black box.
final class JulesProcess: @unchecked Sendable {
  static let token = "peer-token-5c1e"
  static let apiKey = "peer-api-key-93d7"
  let process = Process()
  let port = UInt16(freePort())
  let logFile = NSTemporaryDirectory() + "jules-peer-\(UUID().uuidString.prefix(8)).log"
  var base: String { "http://127.0.0.1:\(port)" }

  /// Starts it with `env` over the defaults (the tokens, 127.0.0.1, the port, `LOG_LEVEL=debug`) and waits for
  /// `/healthz`. Throws when it does not answer within 10 s.
  init(_ env: [String: String]) throws {
    var e = [
      "LOCAL_TOKEN": Self.token, "JULES_API_KEY": Self.apiKey, "HOST": "127.0.0.1", "PORT": String(port), "LOG_LEVEL": "debug",
      "NOTES_WATCH": "0", "ENV_FILE": "/nonexistent/.env", "JULES_API_BASE": "http://127.0.0.1:9/v1alpha",
    ]
    e.merge(env) { _, new in new }
    process.executableURL = URL(fileURLWithPath: ProcessLifecycleTests.binary)
    process.environment = e
    FileManager.default.createFile(atPath: logFile, contents: nil)
    let out = FileHandle(forWritingAtPath: logFile)!
    process.standardOutput = out
    process.standardError = out
    try process.run()
    let host = e["HOST"] == "::" ? "127.0.0.1" : e["HOST"]!
    guard eventually(within: 10, { (try? HTTPClient(timeoutSeconds: 1).send("GET", "http://\(host):\(self.port)/healthz"))?.status == 200 }) else {
      stop()
      throw JulesError("jules did not answer on port \(port): \(log)")
    }
  }

  deinit {
    stop()
    try? FileManager.default.removeItem(atPath: logFile)
  }

  func stop() {
    guard process.isRunning else { return }
    process.terminate()
    process.waitUntilExit()
  }

  /// Every log line written so far.
  var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

  /// The log lines as JSON objects, those with `msg` when given.
  func lines(_ msg: String? = nil) -> [[String: Any]] {
    log.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
      .filter { msg == nil || $0["msg"] as? String == msg }
  }

  func request(_ path: String, token: String? = JulesProcess.token, headers: [(String, String)] = []) throws -> HTTPClientResponse {
    try request("GET", path, token: token, headers: headers, body: nil)
  }

  func request(
    _ method: String, _ path: String, token: String? = JulesProcess.token, headers: [(String, String)] = [], body: String?
  ) throws -> HTTPClientResponse {
    var h = headers
    if let token { h.append(("Authorization", "Bearer \(token)")) }
    return try HTTPClient(timeoutSeconds: 10).send(method, base + path, headers: h, body: body.map { Array($0.utf8) })
  }

  /// A WebSocket upgrade on `/ws` with `protocolHeader`; the response head and the client to read frames from.
  func webSocket(_ protocolHeader: String?, from source: String? = nil) throws -> (head: String, client: RawSocketClient) {
    let c = try RawSocketClient(port: port, from: source)
    return (c.webSocketHandshake(protocolHeader: protocolHeader) ?? "", c)
  }
}
