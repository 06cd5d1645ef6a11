import Foundation
import HTTPKit
import ReconcileCore
import Testing
import TestSupport
import Essentials

/// A loopback webhook receiver that keeps every request and checks `X-Signature-256` against `secret`.
final class WebhookReceiver: @unchecked Sendable {
  struct Received {
    var headers: [String: String]
    var body: String
    var signatureValid: Bool
  }

  let secret: String
  private let lock = NSLock()
  private var received: [Received] = []
  private var server: HTTPServer!

  init(secret: String) throws {
    self.secret = secret
    var options = HTTPServer.Options()
    options.port = 0
    server = HTTPServer(options: options) { [unowned self] req in
      let mac = "sha256=" + HMACSHA256(key: Array(self.secret.utf8)).mac(bytes: req.body)
      let r = Received(headers: req.headers, body: String(decoding: req.body, as: UTF8.self), signatureValid: req.header("x-signature-256") == mac)
      self.lock.withLock { self.received.append(r) }
      return HTTPResponse(status: 200, text: "ok")
    }
    try server.start()
  }

  var url: String { "http://127.0.0.1:\(server.port)/hook" }
  var all: [Received] { lock.withLock { received } }

  /// The alerts received with the given event, as JSON objects.
  func alerts(_ event: String) -> [[String: Any]] {
    all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any] }.filter { $0["event"] as? String == event }
  }

  func stop() { server.shutdown(grace: 0) }
}

/// A running `reconcile controller` with its HTTP port and token.
struct ControllerProcess {
  let running: CLIHarness.Running
  let port: Int
  let token = "test-token-0123456789"

  init(_ h: CLIHarness, _ extra: [String], env: [String: String] = [:]) throws {
    var environment = env
    environment["RECONCILE_CONTROLLER_TOKEN"] = token
    running = h.start(["controller", "--listen", "127.0.0.1:0"] + extra, env: environment, plain: extra.contains("--git"))
    var found: Int?
    let out = running.out
    _ = eventually(within: 30) {
      let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
      if let r = text.range(of: "listening on http://127.0.0.1:"), let end = text[r.upperBound...].firstIndex(of: " ") {
        found = Int(text[r.upperBound..<end])
      }
      return found != nil
    }
    port = try #require(found, "the controller did not start: \(running.result().all)")
  }

  func request(_ method: String, _ path: String, token: String? = nil, headers: [(String, String)] = [], body: [UInt8]? = nil) throws -> HTTPClientResponse {
    var h = headers
    if let token { h.append(("Authorization", "Bearer \(token)")) }
    return try HTTPClient(timeoutSeconds: 10).send(method, "http://127.0.0.1:\(port)\(path)", headers: h, body: body)
  }

  func status() -> [String: Any] {
    guard let r = try? request("GET", "/status", token: token) else { return [:] }
    return (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:]
  }

  var log: String { running.result().stdout }

  /// How the last run ended (`succeeded`, `failed`, `invalid`), from `/status`.
  var lastRunOutcome: String? { (status()["lastRun"] as? [String: Any])?["outcome"] as? String }

  /// Kills the controller if it still runs (for `defer`, when a test fails early).
  func terminate() {
    if running.process.isRunning {
      kill(running.process.processIdentifier, SIGKILL)
      running.process.waitUntilExit()
    }
  }

  /// SIGTERM, then waits for the exit; returns the exit status.
  /// Never waits more than 60 s: a controller that does not stop is killed and reported as status -1.
  func stop() -> Int32 {
    kill(running.process.processIdentifier, SIGTERM)
    guard eventually(within: 60, { !running.process.isRunning }) else {
      terminate()
      return -1
    }
    return running.process.terminationStatus
  }
}

/// Runs git with a fixed identity; returns trimmed standard output, or nil when git fails (for polling).
func gitIfOK(_ dir: String, _ args: [String]) -> String? {
  guard let (status, text) = try? runGit(dir, args), status == 0 else { return nil }
  return text
}

/// Runs git with a fixed identity; returns trimmed standard output; a failure is a test issue.
@discardableResult
func git(_ dir: String, _ args: [String]) throws -> String {
  let (status, text) = try runGit(dir, args)
  try #require(status == 0, "git \(args.joined(separator: " ")) failed: \(text)")
  return text
}

func runGit(_ dir: String, _ args: [String]) throws -> (Int32, String) {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
  p.arguments = ["-C", dir, "-c", "user.name=tester", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main"] + args
  let out = Pipe()
  p.standardOutput = out
  p.standardError = out
  try p.run()
  let d = out.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  return (p.terminationStatus, String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
}
