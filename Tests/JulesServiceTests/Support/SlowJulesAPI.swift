import Essentials
import Foundation
import JulesService

/// A stand-in Jules API on a free loopback port that holds every `POST /sessions` until `release()`: a request kept
/// in flight while a test shuts jules down. `GET /sessions` answers an empty list at once.
final class SlowJulesAPI: @unchecked Sendable {
  /// True once a `POST` arrived (it is held from then on).
  let arrived = Locked(false)
  private let held = DispatchSemaphore(value: 0)
  private let server: HTTPServer

  /// Starts the server.
  init() throws {
    let arrived = arrived, held = held
    server = HTTPServer(options: HTTPServer.Options()) { req in
      if req.method == "POST" {
        arrived.withLock { $0 = true }
        held.wait()
        return .json(200, object: ["id": "slow", "name": "sessions/slow"])
      }
      return .json(200, object: ["sessions": [Any]()])
    }
    try server.start()
  }

  /// The base URL to give jules as `JULES_API_BASE`.
  var base: String { "http://127.0.0.1:\(server.port)/v1alpha" }

  /// Lets the held `POST` answer.
  func release() { held.signal() }

  /// Stops the server.
  func shutdown() { server.shutdown(grace: 1) }
}
