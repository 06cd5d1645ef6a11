import DockerEngine
import Dispatch
import Foundation
import HTTPKit
import ReconcileCore
import ReconcileDrivers
import ReconcileRuntime

/// `reconcile controller`: reconciles continuously until SIGTERM/SIGINT, then finishes the current step and exits.
struct ControllerCommand {
  let args: Arguments
  let terminal: Terminal

  func run() async throws -> Int32 {
    var args = args
    // Every line of the controller's log carries its time; `--log-format json` makes each a JSON object.
    let format = args.value("log-format") ?? "text"
    guard ["text", "json"].contains(format) else { throw OperationError("--log-format takes text or json, got '\(format)'") }
    let terminal = Terminal(copying: self.terminal, redactor: self.terminal.redactor, lines: format == "json" ? .json : .timestamped)
    let store = JSONStateStore(directory: args.value("state") ?? "state")
    try store.prepare()
    var git: GitFollower?
    if let url = args.value("git") {
      let source = GitSource(url: url, branch: args.value("branch") ?? "main", path: args.value("path") ?? "manifests", stateDirectory: store.directory)
      git = GitFollower(source: source, requireSigned: args.has("require-signed"), allowRewrite: args.has("allow-rewrite"))
      // Secrets never live in the repository: in git mode they default to the state directory.
      args.options["env-file"] = args.options["env-file"] ?? (FileManager.default.fileExists(atPath: store.directory + "/.env") ? [store.directory + "/.env"] : nil)
      args.options["secrets-dir"] = args.options["secrets-dir"] ?? [store.directory + "/secrets"]
    }
    let token = try Self.token(args, store: store, terminal: terminal)
    let webhookSecret = try args.value("webhook-secret-file").map { try Self.readSecret($0) } ?? ProcessInfo.processInfo.environment["RECONCILE_WEBHOOK_SECRET"]
    let state = ControllerState()
    let inbox = TriggerInbox()
    let alerts = AlertDispatcher(sender: AlertSender(), state: state, terminal: terminal)
    let limitText = args.value("max-log-size") ?? "10MiB"
    guard let logLimit = ResourceQuantity.bytes(limitText) else { throw OperationError("--max-log-size takes a size like 10MiB or 512k, got '\(limitText)'") }
    let reconciler = ControllerReconciler(args: args, terminal: terminal, state: state, git: git, alerts: alerts, logLimit: logLimit)

    let api = ControllerAPI(state: state, inbox: inbox, token: token, webhookSecret: webhookSecret)
    let (host, port) = try Self.listen(args.value("listen") ?? "127.0.0.1:9797")
    var options = HTTPServer.Options()
    options.host = host
    options.port = port
    options.maxBodyBytes = 1 << 20
    let server = HTTPServer(options: options) { api.handle($0) }
    try server.start()
    terminal.out("reconcile controller listening on http://\(host):\(server.port) (token-protected except /healthz and /readyz)\n")
    defer { server.shutdown(grace: 2) }

    // A write under the manifests is new desired state; any other watched write is a managed file moving.
    let manifestsBase = ManifestFiles.baseDirectory(of: args.value("manifests") ?? "manifests")
    // The controller's own writes (its state directory, which may lie under the manifests) are never a trigger: they
    // would start a run that writes again, forever.
    let stateDirectory = store.directory
    let watcher = try FileWatcher { changed in
      let paths = changed.filter { !Self.isBelow($0, stateDirectory) }
      let managed = reconciler.managedPaths.withLock { own in paths.filter { own.contains($0) } }
      let manifests = paths.filter { Self.isBelow($0, manifestsBase) && !managed.contains($0) }
      let relevant = manifests + managed
      guard !relevant.isEmpty else { return }
      let what = relevant.count == 1 ? relevant[0] : "\(relevant.count) paths"
      let trigger: Trigger = manifests.isEmpty ? .fileChanged(what) : .manifestsChanged(what)
      Task { await inbox.post(trigger) }
    }
    watcher.start()
    defer { watcher.stop() }
    reconciler.onWatchPaths = { watcher.watch($0) }

    let loop = ControllerLoop(
      inbox: inbox, clock: ContinuousClock(), resync: .seconds(try args.seconds("resync", default: 300)),
      backoff: Backoff(base: .seconds(1), cap: .seconds(try args.seconds("backoff-cap", default: 300))),
      // Idle 2 s after a run: the pages of the binary it ran are handed back (read again, from the page cache or the
      // disk, by the next run), so an idle controller holds little more than what its waiting uses.
      idle: .init(after: .seconds(2)) { CodePages.handBack() }
    ) { triggers in
      let verdict = await reconciler.run(triggers)
      // An Engine event whose run found nothing: look once more shortly, instead of waiting for the next resync.
      let events = triggers.compactMap { if case .engineEvent(let e) = $0 { e } else { nil } }
      if !events.isEmpty, reconciler.sawNothing.current {
        Task {
          try? await Task.sleep(for: .seconds(1))
          await inbox.post(.recheck(events.joined(separator: ", ")))
        }
      }
      return verdict
    }
    let work = Task { await loop.run() }
    let pollEvery = try args.seconds("poll", default: 30)
    let source = git?.source
    let poller = source.map { s in Task { await Self.poll(s, every: pollEvery, inbox: inbox) } }
    let watching = Task { await reconciler.servers.run(inbox: inbox) }
    let engine = try? DockerEngineClient.fromEnvironment(ProcessInfo.processInfo.environment)
    let events = engine.map { client in
      Task {
        await EngineEventWatcher(
          client: client, inbox: inbox, state: state, alerts: alerts, inUse: { reconciler.usesDocker.current },
          isOwn: { resource in reconciler.ownResources.withLock { $0.contains(resource) } }
        ).run()
      }
    }
    let stop = Self.onSignals {
      Stopping.request()
      work.cancel()
    }
    await work.value
    poller?.cancel()
    events?.cancel()
    watching.cancel()
    stop.forEach { $0.cancel() }
    terminal.out("reconcile controller stopped\n")
    return ExitCode.ok
  }

  /// Polls the remote branch head (`git ls-remote`) and posts a trigger when it moves.
  static func poll(_ source: GitSource, every seconds: Double, inbox: TriggerInbox) async {
    var last: String?
    while !Task.isCancelled {
      if let head = try? source.remoteHead(), head != last {
        if last != nil { await inbox.post(.gitRevision(head)) }
        last = head
      }
      try? await Task.sleep(for: .seconds(seconds))
    }
  }

  /// SIGTERM and SIGINT call `handler` once; returns the sources to keep them alive.
  static func onSignals(_ handler: @escaping @Sendable () -> Void) -> [DispatchSourceSignal] {
    [SIGTERM, SIGINT].map { sig in
      signal(sig, SIG_IGN)
      let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      s.setEventHandler(handler: handler)
      s.resume()
      return s
    }
  }

  /// Whether `path` is `directory` or inside it (both as the watcher and the options spell them: absolute or not).
  static func isBelow(_ path: String, _ directory: String) -> Bool {
    let absolute = { (p: String) in p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p }
    let (p, d) = (absolute(path), absolute(directory))
    return p == d || p.hasPrefix(d.hasSuffix("/") ? d : d + "/")
  }

  static func listen(_ text: String) throws -> (String, UInt16) {
    guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
      throw OperationError("--listen: expected HOST:PORT such as 127.0.0.1:9797, got '\(text)'")
    }
    return (String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
  }

  static func readSecret(_ path: String) throws -> String {
    guard let d = FileManager.default.contents(atPath: path) else { throw OperationError(doing: "read the secret file '\(path)'") }
    return String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The API token: `--token-file`, `RECONCILE_CONTROLLER_TOKEN`, or a random one kept in STATE/controller.token (0600).
  static func token(_ args: Arguments, store: JSONStateStore, terminal: Terminal) throws -> String {
    if let f = args.value("token-file") { return try readSecret(f) }
    if let t = ProcessInfo.processInfo.environment["RECONCILE_CONTROLLER_TOKEN"], !t.isEmpty { return t }
    let path = store.directory + "/controller.token"
    if let d = FileManager.default.contents(atPath: path), !d.isEmpty { return String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    guard let random = RandomToken.hex(bytes: 24) else { throw OperationError(doing: "read random bytes for the controller token") }
    guard FileManager.default.createFile(atPath: path, contents: Data(random.utf8), attributes: [.posixPermissions: 0o600]) else {
      throw OperationError(doing: "write the controller token to '\(path)'")
    }
    terminal.out("generated an API token in \(path)\n")
    return random
  }
}
