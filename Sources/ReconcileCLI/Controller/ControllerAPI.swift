import Foundation
import HTTPKit
import ReconcileCore
import ReconcileRuntime
import Essentials

/// The controller's HTTP endpoints: `/healthz` and `/readyz` open; `/metrics`, `/status`, `/trigger` and the page's
/// `/api/overview` and `/api/events` behind the bearer token, or the page's session cookie (the same token through
/// its sign-in form, kept as a keyed hash in an HTTP-only cookie); `/ui/` is the page (its sign-in form without a
/// session); `/hooks/git` authenticated by the push webhook's own signature or token.
struct ControllerAPI: Sendable {
  let state: ControllerState
  let inbox: TriggerInbox
  let token: String
  let webhookSecret: String?

  func handle(_ req: HTTPRequest) -> HTTPResponse {
    switch (req.method, req.path) {
    case ("GET", "/healthz"):
      return HTTPResponse(status: 200, text: "ok\n")
    case ("GET", "/readyz"):
      let (ok, why) = (state.ready, state.readyReason)
      return HTTPResponse(status: ok ? 200 : 503, text: ok ? "ready\n" : "not ready: \(why)\n")
    case ("POST", "/hooks/git"):
      return gitHook(req)
    case ("GET", "/ui"):
      return HTTPResponse(status: 301, headers: [("Location", "ui/")], body: .bytes([]))
    case ("GET", "/ui/"):
      return page(authorized(req) ? DashboardPage.html : DashboardPage.login(failed: false))
    case ("GET", "/ui/app.css"):
      return HTTPResponse(status: 200, headers: [("Content-Type", "text/css; charset=utf-8")], body: .bytes(Array(DashboardPage.css.utf8)))
    case ("GET", "/ui/app.js"):
      return HTTPResponse(status: 200, headers: [("Content-Type", "text/javascript; charset=utf-8")], body: .bytes(Array(DashboardPage.js.utf8)))
    case ("POST", "/ui/login"):
      let given = Self.formValue("token", in: req.body) ?? ""
      guard ConstantTime.equal(given, token) else { return page(DashboardPage.login(failed: true), status: 401) }
      return HTTPResponse(
        status: 303, headers: [("Location", "./"), ("Set-Cookie", "reconcile_session=\(session); HttpOnly; SameSite=Strict; Path=/")], body: .bytes([]))
    default:
      break
    }
    guard authorized(req) else {
      return HTTPResponse(status: 401, headers: [("WWW-Authenticate", "Bearer")], body: .bytes(Array("unauthorized\n".utf8)))
    }
    switch (req.method, req.path) {
    case ("GET", "/metrics"):
      return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")], body: .bytes(Array(state.metricsText().utf8)))
    case ("GET", "/status"):
      return .json(200, object: state.statusJSON())
    case ("POST", "/trigger"):
      post(.manual("HTTP /trigger"))
      return .json(202, object: ["queued": true])
    case ("GET", "/api/overview"):
      return .json(200, object: state.feed.overview(status: state.statusJSON(), rolloutsDirectory: state.operations.rolloutsDirectory))
    case ("GET", "/api/events"):
      return HTTPResponse(
        status: 200, headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"), ("X-Accel-Buffering", "no")],
        body: .stream(DashboardFeed.Events(state.feed)))
    default:
      return HTTPResponse(status: 404, text: "not found\n")
    }
  }

  func authorized(_ req: HTTPRequest) -> Bool {
    if let h = req.header("authorization"), h.hasPrefix("Bearer ") { return ConstantTime.equal(String(h.dropFirst(7)), token) }
    let cookies = (req.header("cookie") ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
    guard let c = cookies.first(where: { $0.hasPrefix("reconcile_session=") }) else { return false }
    return ConstantTime.equal(String(c.dropFirst("reconcile_session=".count)), session)
  }

  /// The session cookie's value: the token keyed-hashed, so the cookie never holds the token itself.
  var session: String { HMACSHA256(key: Array(token.utf8)).mac("reconcile dashboard session") }

  func page(_ html: String, status: Int = 200) -> HTTPResponse {
    HTTPResponse(
      status: status,
      headers: [
        ("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"), ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:"),
      ], body: .bytes(Array(html.utf8)))
  }

  /// A field of an `application/x-www-form-urlencoded` body.
  static func formValue(_ name: String, in body: [UInt8]) -> String? {
    for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
      let parts = pair.split(separator: "=", maxSplits: 1).map { $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
      if parts.first == name { return parts.count > 1 ? parts[1] : "" }
    }
    return nil
  }

  /// GitHub (`X-Hub-Signature-256: sha256=<hmac>`), Gitea (`X-Gitea-Signature: <hmac>`) and GitLab
  /// (`X-Gitlab-Token: <secret>`) push webhooks, compared in constant time.
  func gitHook(_ req: HTTPRequest) -> HTTPResponse {
    guard let secret = webhookSecret else { return HTTPResponse(status: 404, text: "no webhook secret is configured\n") }
    let mac = HMACSHA256(key: Array(secret.utf8)).mac(bytes: req.body)
    let ok: Bool
    if let sig = req.header("x-hub-signature-256") {
      ok = ConstantTime.equal(sig, "sha256=" + mac)
    } else if let sig = req.header("x-gitea-signature") {
      ok = ConstantTime.equal(sig, mac)
    } else if let t = req.header("x-gitlab-token") {
      ok = ConstantTime.equal(t, secret)
    } else {
      ok = false
    }
    guard ok else { return HTTPResponse(status: 401, text: "signature does not match\n") }
    post(.gitRevision("push webhook"))
    return .json(202, object: ["queued": true])
  }

  func post(_ t: Trigger) {
    let inbox = self.inbox
    Task { await inbox.post(t) }
  }
}
