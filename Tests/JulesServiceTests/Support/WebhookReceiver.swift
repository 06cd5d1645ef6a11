import Foundation
import JulesService
import Essentials

/// A loopback webhook endpoint that records each POST body and whether its
/// `X-Signature-256` is the HMAC-SHA256 of the body under `secret`.
final class WebhookReceiver: Sendable {
  struct Delivery: Sendable { let body: [UInt8]; let signatureValid: Bool; var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(body)) } }

  let secret: String?
  let deliveries = Locked([Delivery]())
  let server: HTTPServer
  /// Status to answer with; tests set it to 500 to exercise retries.
  let answer = Locked(200)

  init(secret: String?) throws {
    self.secret = secret
    let deliveries = self.deliveries, answer = self.answer
    server = HTTPServer(options: HTTPServer.Options()) { req in
      var valid = false
      if let secret, let sig = req.header("x-signature-256") {
        valid = sig == "sha256=" + HMACSHA256(key: Array(secret.utf8)).mac(bytes: req.body)
      }
      let status = answer.current
      if status < 300 { deliveries.withLock { $0.append(Delivery(body: req.body, signatureValid: valid)) } }
      return HTTPResponse(status: status)
    }
    try server.start()
  }

  var url: String { "http://127.0.0.1:\(server.port)/hook" }
  var received: [Delivery] { deliveries.current }
  func stop() { server.shutdown(grace: 1) }
}
