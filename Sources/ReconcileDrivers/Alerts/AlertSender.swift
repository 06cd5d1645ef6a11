import Foundation
import HTTPKit
import ReconcileCore

/// Delivers alerts to their targets over HTTP (libcurl). Secrets never reach an error text: a failure names
/// the target and the HTTP status, not the URL.
public struct AlertSender: Sendable {
  public let host: String
  let client: HTTPClient

  public init(host: String = ProcessInfo.processInfo.hostName, timeout: Double = 5) {
    self.host = host
    self.client = HTTPClient(timeoutSeconds: timeout)
  }

  /// Sends `alert` to every target that takes its event; returns one line per target that failed.
  public func send(_ alert: Alert, to targets: [AlertTarget]) -> [String] {
    var failures: [String] = []
    for t in targets where t.events.isEmpty || t.events.contains(alert.event) || alert.event == .test {
      let p = AlertPayload(alert, to: t, host: host)
      do {
        let r = try client.send("POST", p.url, headers: p.headers, body: p.body)
        if !(200..<300).contains(r.status) { failures.append("alert target '\(t.name)' (\(t.kind.rawValue)) answered HTTP \(r.status)") }
      } catch {
        failures.append("alert target '\(t.name)' (\(t.kind.rawValue)) could not be reached")
      }
    }
    return failures
  }
}
