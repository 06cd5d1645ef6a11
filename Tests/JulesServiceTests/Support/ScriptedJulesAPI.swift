import Essentials
import Foundation
import JulesService

/// A Jules API on a free loopback port whose answers a test scripts per `METHOD PATH`: each call takes the next
/// answer of its queue (the last one repeats), after its delay. `GET /sessions` answers an empty page unless scripted.
/// Every call is counted.
final class ScriptedJulesAPI: @unchecked Sendable {
  struct Answer: Sendable {
    var status: Int
    var body: String
    var delay: Double = 0
  }

  let answers = Locked<[String: [Answer]]>([:])
  let calls = Locked<[String: Int]>([:])
  private let server: HTTPServer

  init() throws {
    let answers = answers, calls = calls
    server = HTTPServer(options: HTTPServer.Options()) { req in
      let key = "\(req.method) \(req.path)"
      calls.withLock { $0[key, default: 0] += 1 }
      let answer = answers.withLock { all -> Answer? in
        guard var queue = all[key], let first = queue.first else { return nil }
        if queue.count > 1 { queue.removeFirst() }
        all[key] = queue
        return first
      }
      guard let answer else {
        return key.hasPrefix("GET ") && req.path.hasSuffix("/sessions") ? .json(200, Array(#"{"sessions":[]}"#.utf8)) : .json(404, Array("{}".utf8))
      }
      if answer.delay > 0 { Thread.sleep(forTimeInterval: answer.delay) }
      return .json(answer.status, Array(answer.body.utf8))
    }
    try server.start()
  }

  /// The base URL to give jules as `JULES_API_BASE`.
  var base: String { "http://127.0.0.1:\(server.port)/v1alpha" }

  func script(_ key: String, _ queue: [Answer]) { answers.withLock { $0["\(key.split(separator: " ")[0]) /v1alpha\(key.split(separator: " ")[1])"] = queue } }
  func count(_ key: String) -> Int { calls.withLock { $0["\(key.split(separator: " ")[0]) /v1alpha\(key.split(separator: " ")[1])"] ?? 0 } }

  func shutdown() { server.shutdown(grace: 1) }
}
