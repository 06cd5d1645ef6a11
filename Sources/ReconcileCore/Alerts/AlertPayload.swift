import Foundation
import Essentials

/// The HTTP request that delivers one alert to one target. Pure: the driver only sends it.
public struct AlertPayload: Sendable {
  public var url: String
  public var headers: [(String, String)]
  public var body: [UInt8]

  public init(_ alert: Alert, to target: AlertTarget, host: String) {
    url = target.url.value
    let text = "[\(host)] \(alert.event.rawValue): \(alert.subject): \(alert.message)"
    var object: [String: Any]
    switch target.kind {
    case .webhook:
      object = [
        "event": alert.event.rawValue, "subject": alert.subject, "message": alert.message, "host": host,
        "time": ISO8601DateFormatter().string(from: alert.time),
      ]
    case .slack:
      object = ["text": text]
    case .telegram:
      object = ["chat_id": target.chatID ?? "", "text": text]
    }
    body = Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    headers = [("Content-Type", "application/json")]
    if target.kind == .webhook, let secret = target.secret {
      headers.append(("X-Signature-256", "sha256=" + HMACSHA256(key: Array(secret.value.utf8)).mac(bytes: body)))
    }
  }
}
