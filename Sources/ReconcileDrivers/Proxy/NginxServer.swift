import Foundation
import HTTPKit
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// A standalone nginx run from Debian's package with its own prefix: `nginx -p PREFIX -e PREFIX/logs/error.log
/// -c PREFIX/live/nginx.conf`. Never live broken: a change is staged as a new generation, validated with
/// `nginx -t`, made live with one rename, then reloaded (or started) and confirmed by nginx itself: each
/// generation's configuration answers its own number on `PREFIX/run/status.sock`, so what the running nginx loaded
/// is observed, never assumed. On a failure the previous generation is made live again.
struct NginxServer {
  let prefix: String
  var binary = "nginx"

  var generations: ConfigGenerations { ConfigGenerations(prefix: prefix) }
  var errorLog: String { prefix + "/logs/error.log" }
  /// One JSON line per proxied request: its upstream address, status and time (`UpstreamTally`).
  var upstreamLog: String { UpstreamTally.log(under: prefix) }
  var pidFile: String { prefix + "/run/nginx.pid" }
  var statusSocket: String { prefix + "/run/status.sock" }

  /// The pid of the running master, when its pid file names a live nginx process (a stale pid file whose number
  /// was reused by another process is never signalled).
  var runningPID: pid_t? {
    guard let text = HostFiles.read(pidFile), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return nil }
    guard kill(pid, 0) == 0, let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
    return String(decoding: cmdline, as: UTF8.self).contains("nginx") ? pid : nil
  }

  /// The generation the running nginx serves, as it answers on its status socket: nil when nothing answers,
  /// `unknown` when the answer names no generation (a configuration reconcile did not write).
  var loadedGeneration: String? { status.map { $0.generation ?? "unknown" } }

  /// What the status server answers: the generation its configuration was written for and the pid of the worker
  /// that answered (a new worker after a reload). Nil when nothing answers.
  var status: (generation: String?, worker: String?)? {
    let request = TransferRequest(method: "GET", url: "http://nginx/reconcile/generation", timeout: 2, connectTimeout: 1)
    guard let r = try? UnixSocketTransport(socketPath: statusSocket, maxIdleConnections: 0).perform(request) else { return nil }
    let words = String(decoding: r.body, as: UTF8.self).split(whereSeparator: \.isWhitespace).map(String.init)
    guard r.status == 200, words.count == 2, words.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { return (nil, nil) }
    return (words[0], words[1])
  }

  /// The main configuration of a generation: paths under the prefix, every site file of the generation, and the
  /// status server that answers the generation's number.
  func mainConfig(generation: String) -> String {
    """
    # Managed by reconcile: the standalone nginx at \(prefix). Sites live in sites/*.conf beside this file, the
    # upstreams of containers reached on their network in routes/*.conf.
    pid \(pidFile);
    error_log \(errorLog) notice;
    worker_processes 1;
    events { worker_connections 512; }
    http {
        include /etc/nginx/mime.types;
        default_type application/octet-stream;
        access_log \(prefix)/logs/access.log;
        # What each upstream answered, read by canary and blue-green analysis (proxied requests only).
        log_format reconcile_upstream escape=json '{"t":$msec,"upstream":"$upstream_addr","status":$status,"time":$request_time}';
        access_log \(upstreamLog) reconcile_upstream if=$upstream_addr;
        server_tokens off;
        client_body_temp_path \(prefix)/temp/body;
        proxy_temp_path \(prefix)/temp/proxy;
        fastcgi_temp_path \(prefix)/temp/fastcgi;
        uwsgi_temp_path \(prefix)/temp/uwsgi;
        scgi_temp_path \(prefix)/temp/scgi;
        map $http_upgrade $reconcile_connection_upgrade { default upgrade; '' close; }
        include routes/*.conf;
        include sites/*.conf;
        server {
            listen unix:\(statusSocket);
            access_log off;
            location = /reconcile/generation { return 200 "\(generation) $pid\n"; }
            location / { return 404; }
        }
    }

    """
  }

  /// Stages a new generation, lets `change` edit its files, validates, swaps it in and reloads or starts nginx.
  /// Calls `nginx -t`, then `kill -HUP` (or starts nginx); confirms the reload in the error log.
  func apply(_ what: String, change: (String) throws -> Void) throws {
    let lock = try generations.lock()
    defer { withExtendedLifetime(lock) {} }
    for d in ["logs", "run", "temp"] { try generations.makeDirectory("\(prefix)/\(d)") }
    try generations.change(
      prepare: { staged in
        try generations.makeDirectory(staged + "/sites")
        try generations.makeDirectory(staged + "/routes")
        // Generations before 0.2 held generated upstream blocks; upstream addresses now live in the site files.
        try? FileManager.default.removeItem(atPath: staged + "/upstreams")
        try change(staged)
        try HostFiles.write(mainConfig(generation: (staged as NSString).lastPathComponent), to: staged + "/nginx.conf")
        try validate(staged + "/nginx.conf", what: what)
      },
      load: { _ in try reloadOrStart(what) })
  }

  /// Reloads (or starts) nginx on its live configuration, so it loads what changed under it (certificate files, or a
  /// generation made live that it never loaded).
  func refresh(_ what: String) throws {
    let lock = try generations.lock()
    defer { withExtendedLifetime(lock) {} }
    guard generations.current != nil else { throw OperationError(doing: what, "nginx at '\(prefix)' has no live configuration yet") }
    try reloadOrStart(what)
  }

  /// `nginx -t` on the staged configuration; fails with the validator's own output.
  func validate(_ config: String, what: String) throws {
    let r = try ProcessRunner.run([binary, "-t", "-q", "-p", prefix + "/", "-e", errorLog, "-c", config])
    guard r.status == 0 else { throw r.failure(doing: what, meaning: "the new nginx configuration does not validate") }
  }

  /// Reloads a running nginx or starts it with the live configuration; returns once nginx answers the live
  /// generation's number.
  func reloadOrStart(_ what: String) throws {
    let generation = ((try? FileManager.default.destinationOfSymbolicLink(atPath: generations.live)) as NSString?)?.lastPathComponent ?? ""
    if let pid = runningPID {
      try reload(pid: pid, generation: generation, what: what)
    } else {
      try start(what)
    }
    try LoadedCertificates(prefix: prefix).record(from: generations.live)
  }

  /// Sends SIGHUP, then waits until a new worker answers `generation` on the status socket (the new configuration,
  /// certificates included, is in force), or the error log says nginx refused the reload. nginx retries a failing
  /// bind() for a while, so only its final word on it counts.
  func reload(pid: pid_t, generation: String, what: String) throws {
    let offset = (try? FileManager.default.attributesOfItem(atPath: errorLog)[.size] as? Int) ?? 0
    let before = status?.worker
    guard kill(pid, SIGHUP) == 0 else { throw OperationError(doing: what, "kill -HUP \(pid): \(String(cString: strerror(errno)))") }
    let started = Date()
    let deadline = started.addingTimeInterval(10)
    var delay: UInt32 = 5_000
    while Date() < deadline {
      let log = Self.tail(errorLog, from: offset)
      let lines = log.split(separator: "\n")
      let errors = lines.filter { $0.contains("[emerg]") || $0.contains("[alert]") || $0.contains("[crit]") }
      if errors.contains(where: { !$0.contains("bind() to") }) {
        let body = errors.map { "    " + $0 }.joined(separator: "\n")
        throw OperationError(doing: what, "nginx (pid \(pid)) rejected the reload and keeps serving the previous configuration; \(errorLog) says:\n\(body)")
      }
      // A new worker answers the new generation; once the old worker logged its graceful shutdown (or is gone) it
      // has closed the listening sockets, so every new connection meets the new configuration, certificates included.
      if let now = status, now.generation == generation, now.worker != before {
        let oldGone = before.flatMap { pid_t($0) }.map { kill($0, 0) != 0 } ?? true
        if oldGone || lines.contains(where: { $0.contains("gracefully shutting down") }) || Date() > started.addingTimeInterval(3) { return }
      }
      usleep(delay)
      delay = min(delay * 2, 100_000)
    }
    throw OperationError(doing: what, cause: .timeout(what: "nginx (pid \(pid)) did not confirm the reload in \(errorLog)", seconds: 10), retryable: true)
  }

  /// Starts nginx (it binds its ports before it daemonizes, so a busy port fails here with nginx's own message).
  func start(_ what: String) throws {
    // A socket file left by an nginx that was killed would make the bind fail.
    unlink(statusSocket)
    let r = try DaemonLauncher.run([binary, "-p", prefix + "/", "-e", errorLog, "-c", generations.live + "/nginx.conf"], output: prefix + "/logs/start.out")
    guard r.status == 0 else { throw r.failure(doing: what, meaning: "nginx did not start") }
    let deadline = Date().addingTimeInterval(5)
    while runningPID == nil, Date() < deadline { usleep(10_000) }
    guard runningPID != nil else { throw OperationError(doing: what, "nginx exited 0 but wrote no live pid to '\(pidFile)'") }
  }

  /// Stops nginx (`nginx -s quit` semantics: SIGQUIT) and waits for it to go.
  func stop() {
    guard let pid = runningPID else { return }
    kill(pid, SIGQUIT)
    let deadline = Date().addingTimeInterval(10)
    while !Self.hasExited(pid), Date() < deadline { usleep(10_000) }
  }

  /// Gone, or exited and not reaped yet (a daemon's parent is PID 1, which reaps when it gets to it).
  static func hasExited(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0 else { return true }
    guard let stat = HostFiles.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
  }

  static func tail(_ path: String, from offset: Int) -> String {
    guard let h = FileHandle(forReadingAtPath: path) else { return "" }
    defer { try? h.close() }
    try? h.seek(toOffset: UInt64(offset))
    return String(decoding: h.readDataToEndOfFile(), as: UTF8.self)
  }
}

/// Starts a command whose children may outlive it (a daemonizing server), with output to a file rather than a
/// pipe, and waits for the command itself with `waitpid`. Uses `posix_spawnp` directly: Foundation's `Process`
/// watches its child through an inherited socket, which a daemon would hold open forever.
enum DaemonLauncher {
  static func run(_ argv: [String], output: String) throws -> ProcessResult {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    // Close every other inherited descriptor: Foundation's `Process` in a parent watches its child through an
    // inherited socket, and a daemon keeping it open would make that parent wait forever.
    for fd in inheritedDescriptors() { posix_spawn_file_actions_addclose(&actions, fd) }
    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { cargs.forEach { free($0) } }
    // An empty signal mask and default dispositions: a daemon must not inherit blocked or ignored signals.
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var none = sigset_t(), all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attr, &none)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, argv[0], &actions, &attr, &cargs, environ)
    guard rc == 0 else { throw OperationError(doing: "run `\(argv.joined(separator: " "))`", cause: .io(path: argv[0], errno: rc, call: nil)) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return ProcessResult(argv: argv, status: exit, output: HostFiles.read(output) ?? "")
  }

  /// Open descriptors above 2 without close-on-exec.
  static func inheritedDescriptors() -> [Int32] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return names.compactMap { Int32($0) }.filter { fd in
      guard fd > 2 else { return false }
      let flags = fcntl(fd, F_GETFD)
      return flags >= 0 && flags & FD_CLOEXEC == 0
    }
  }
}
