/// Where alerts go, declared under `alerts` in the manifests.
public struct AlertTarget: Sendable, Hashable {
  public enum Kind: String, Sendable, CaseIterable {
    /// A generic JSON webhook, signed with `X-Signature-256: sha256=<HMAC of body>` when it has a secret.
    case webhook
    /// A Slack-compatible incoming webhook (`{"text": …}`).
    case slack
    /// A Telegram bot `sendMessage` URL (`https://api.telegram.org/bot<TOKEN>/sendMessage`) and a chat id.
    case telegram
  }

  public var name: String
  public var kind: Kind
  /// The URL; sensitive when a secret flowed into it (a bot token, a Slack hook path).
  public var url: Text
  public var secret: Text?
  public var chatID: String?
  /// Only these events reach the target (all when empty).
  public var events: Set<AlertEvent>

  public init(name: String, kind: Kind, url: Text, secret: Text? = nil, chatID: String? = nil, events: Set<AlertEvent> = []) {
    self.name = name
    self.kind = kind
    self.url = url
    self.secret = secret
    self.chatID = chatID
    self.events = events
  }

  static func decode(_ r: inout FieldReader) -> AlertTarget? {
    let name = r.string("name", required: true)
    let kind = r.choice("type", AlertTarget.Kind.allCases.map(\.rawValue)).flatMap(Kind.init(rawValue:))
    if r.object["type"] == nil { r.report("type", "is required") }
    let url = r.text("url", required: true)
    if let u = url, !(u.value.hasPrefix("http://") || u.value.hasPrefix("https://")) {
      r.report("url", "expected an http:// or https:// URL")
    }
    let secret = r.text("secret")
    let chat = r.string("chatId")
    if kind == .telegram, chat == nil { r.report("chatId", "is required for a telegram target") }
    var events: Set<AlertEvent> = []
    for (i, e) in (r.strings("events") ?? []).enumerated() {
      if let ev = AlertEvent(rawValue: e) {
        events.insert(ev)
      } else {
        r.report("events[\(i)]", "unknown event '\(e)'\(Suggestion.hint(for: e, in: AlertEvent.allCases.map(\.rawValue)))")
      }
    }
    r.finish()
    guard let name, let kind, let url else { return nil }
    return AlertTarget(name: name, kind: kind, url: url, secret: secret, chatID: chat, events: events)
  }
}

/// What an alert is about.
public enum AlertEvent: String, Sendable, Hashable, CaseIterable, Codable {
  case applyFailed = "apply-failed"
  case applyRolledBack = "apply-rolled-back"
  /// A canary or blue-green whose new version was judged and rolled back (the message has the figures).
  case rolloutRolledBack = "rollout-rolled-back"
  case driftDetected = "drift-detected"
  case driftHealed = "drift-healed"
  case containerDied = "container-died"
  case containerUnhealthy = "container-unhealthy"
  /// A managed nginx or Caddy was found not running (and, with self-heal, started again).
  case serverDown = "server-down"
  case resourceDegraded = "resource-degraded"
  case jobFailing = "job-failing"
  case backupOverdue = "backup-overdue"
  case certificateExpiring = "certificate-expiring"
  case engineUnreachable = "engine-unreachable"
  case invalidRevision = "invalid-revision"
  case test = "test"
}

/// One alert: an event, what it concerns, and a message already free of secrets.
public struct Alert: Sendable, Hashable, Codable {
  public var event: AlertEvent
  public var subject: String
  public var message: String
  public var time: Date

  public init(event: AlertEvent, subject: String, message: String, time: Date) {
    self.event = event
    self.subject = subject
    self.message = message
    self.time = time
  }

  /// Alerts with the same key are duplicates of each other: the same event about the same subject. The message is
  /// not part of it: it carries volatile text (a request id, a token, a time) that would make every alert new.
  public var key: String { "\(event.rawValue)|\(subject)" }
}

import Foundation
