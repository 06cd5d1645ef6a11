import Essentials
import Foundation
import HTTPKit
import ReconcileCore

/// A Caddy from Debian's package with its admin API on `admin` and its files under `prefix`. A change is staged
/// as a new generation, adapted and checked with `caddy validate`, then loaded through `POST /load` (atomic: a
/// rejected configuration leaves the old one running); only then is the generation made live on disk.
struct CaddyServer {
  let prefix: String
  let admin: String
  var binary = "caddy"

  var generations: ConfigGenerations { ConfigGenerations(prefix: prefix) }
  var http: HTTPClient { HTTPClient(timeoutSeconds: 10) }

  /// One JSON line per round trip to an upstream: its address, status (or error) and duration (`UpstreamTally`).
  var upstreamLog: String { UpstreamTally.log(under: prefix) }

  /// Whether the admin API answers.
  var isRunning: Bool { (try? http.send("GET", "http://\(admin)/config/").status) == 200 }

  /// Which generation Caddy runs, recorded with a digest of the configuration Caddy reported right after loading it.
  var loadedRecord: String { prefix + "/run/loaded-generation" }

  /// The generation the running Caddy serves: the recorded one while Caddy still reports the configuration it
  /// reported when it loaded it; `unknown` once its configuration is another (changed through the admin API, or a
  /// load that was not recorded); nil when the admin API does not answer.
  var loadedGeneration: String? {
    guard let r = try? http.send("GET", "http://\(admin)/config/"), r.status == 200 else { return nil }
    let parts = (HostFiles.read(loadedRecord) ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
    guard parts.count == 2, parts[1] == SHA256.hash(bytes: r.body).hex else { return "unknown" }
    return parts[0]
  }

  /// Records the generation Caddy now runs with the digest of the configuration it reports.
  func recordLoaded(_ generation: String) throws {
    guard let r = try? http.send("GET", "http://\(admin)/config/"), r.status == 200 else { return }
    try HostFiles.write("\((generation as NSString).lastPathComponent) \(SHA256.hash(bytes: r.body).hex)\n", to: loadedRecord)
  }

  /// The Caddyfile of a generation: global options, then every site file of the generation.
  func caddyfile(sites: String) -> String {
    """
    # Managed by reconcile: the Caddy at \(prefix) (admin API \(admin)).
    {
    \tadmin \(admin)
    \tauto_https off
    \tstorage file_system \(prefix)/data
    \t# What each upstream answered, read by canary and blue-green analysis: address, status, duration, no headers.
    \tlog reconcile_upstreams {
    \t\toutput file \(upstreamLog) {
    \t\t\troll_size 10MiB
    \t\t\troll_keep 2
    \t\t}
    \t\tformat filter {
    \t\t\twrap json
    \t\t\tfields {
    \t\t\t\trequest delete
    \t\t\t\theaders delete
    \t\t\t}
    \t\t}
    \t\tlevel DEBUG
    \t\tinclude http.handlers.reverse_proxy
    \t}
    }

    import \((sites as NSString).deletingLastPathComponent)/routes/*.caddy
    import \(sites)/*.caddy

    """
  }

  /// Stages a generation, lets `change` edit it, validates it, loads it through the admin API (or starts Caddy).
  func apply(_ what: String, change: (String) throws -> Void) throws {
    let lock = try generations.lock()
    defer { withExtendedLifetime(lock) {} }
    for d in ["logs", "run", "data"] { try generations.makeDirectory("\(prefix)/\(d)") }
    var text = ""
    try generations.change(
      prepare: { staged in
        try generations.makeDirectory(staged + "/sites")
        try generations.makeDirectory(staged + "/routes")
        try change(staged)
        try HostFiles.write(caddyfile(sites: staged + "/sites"), to: staged + "/Caddyfile")
        text = try adapt(staged, what: what)
      },
      load: { staged in try putInForce(text, generation: staged, what: what) })
  }

  /// Loads the live configuration again (`Cache-Control: must-revalidate` makes Caddy reload unchanged text), so it
  /// picks up certificate files that changed under it; starts Caddy when it is not running.
  func refresh(_ what: String) throws {
    let lock = try generations.lock()
    defer { withExtendedLifetime(lock) {} }
    guard let live = generations.current, let text = HostFiles.read(live + "/Caddyfile") else {
      throw OperationError(doing: what, "Caddy at '\(prefix)' has no live configuration yet")
    }
    try putInForce(text, generation: live, what: what)
  }

  /// Loads `text` into the running Caddy (or starts Caddy on `generation`) and records the certificates it loaded.
  func putInForce(_ text: String, generation: String, what: String) throws {
    if isRunning { try load(text, what: what) } else { try start(generation, what: what) }
    try recordLoaded(generation)
    try LoadedCertificates(prefix: prefix).record(from: generations.live)
  }

  /// `caddy validate` (adapts, then provisions every module and loads the certificates); fails with Caddy's output.
  func adapt(_ staged: String, what: String) throws -> String {
    let file = staged + "/Caddyfile"
    let v = try ProcessRunner.run([binary, "validate", "--config", file, "--adapter", "caddyfile"], environment: environment)
    guard v.status == 0 else { throw v.failure(doing: what, meaning: "the new Caddy configuration does not validate") }
    return HostFiles.read(file) ?? ""
  }

  /// `POST /load`: Caddy swaps to the new configuration or keeps the old one and answers an error.
  func load(_ caddyfile: String, what: String) throws {
    let r = try http.send("POST", "http://\(admin)/load", headers: [("Content-Type", "text/caddyfile"), ("Cache-Control", "must-revalidate")], body: Array(caddyfile.utf8))
    guard r.status == 200 else {
      throw OperationError(
        doing: what, "Caddy answered \(r.status) on POST http://\(admin)/load and keeps the previous configuration: \(r.text.trimmingCharacters(in: .whitespacesAndNewlines))"
      )
    }
  }

  /// `caddy start` (forks `caddy run` and waits until it is up) with the staged configuration.
  func start(_ staged: String, what: String) throws {
    let r = try DaemonLauncher.run(
      [
        "env", "XDG_DATA_HOME=\(prefix)/data", "XDG_CONFIG_HOME=\(prefix)/data", binary, "start", "--config", staged + "/Caddyfile", "--adapter", "caddyfile", "--pidfile",
        prefix + "/run/caddy.pid",
      ], output: prefix + "/logs/start.out")
    guard r.status == 0 else { throw r.failure(doing: what, meaning: "caddy did not start") }
    let deadline = Date().addingTimeInterval(10)
    while !isRunning, Date() < deadline { usleep(20_000) }
    guard isRunning else { throw OperationError(doing: what, "caddy started but its admin API \(admin) does not answer") }
  }

  /// `POST /stop` through the admin API.
  func stop() { _ = try? http.send("POST", "http://\(admin)/stop") }

  var environment: [String: String] {
    var env = ProcessInfo.processInfo.environment
    env["XDG_DATA_HOME"] = prefix + "/data"
    env["XDG_CONFIG_HOME"] = prefix + "/data"
    return env
  }
}
