import Foundation
import HTTPKit
import ReconcileCore
import ReconcileRuntime
import Essentials

/// The controller's HTTP endpoints: `/healthz` and `/readyz` open; `/metrics`, `/status`, `/trigger` behind
/// the bearer token; `/hooks/git` authenticated by the push webhook's own signature or token.
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
    default:
      return HTTPResponse(status: 404, text: "not found\n")
    }
  }

  func authorized(_ req: HTTPRequest) -> Bool {
    guard let h = req.header("authorization"), h.hasPrefix("Bearer ") else { return false }
    return ConstantTime.equal(String(h.dropFirst(7)), token)
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
