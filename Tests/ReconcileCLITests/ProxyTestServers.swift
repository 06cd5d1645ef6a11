import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// Real servers for the proxy tests, all on loopback high ports chosen by the kernel.
enum ProxyTest {
  static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/templates"

  /// Holds a port busy (listening) until `close`.
  static func occupy(_ port: Int) -> Int32 {
    let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    listen(s, 4)
    return s
  }

  struct Output {
    var status: Int32
    var text: String
  }

  /// Runs a command to completion and returns its combined output.
  @discardableResult
  static func run(_ argv: [String], environment: [String: String] = [:]) -> Output {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    p.standardInput = FileHandle.nullDevice
    try! p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Output(status: p.terminationStatus, text: String(decoding: data, as: UTF8.self))
  }

  /// `curl` with `--resolve NAME:PORT:127.0.0.1`; returns the body and headers (`-i`).
  static func curl(_ url: String, resolve: String? = nil, cacert: String? = nil, extra: [String] = []) -> Output {
    var argv = ["curl", "-sS", "-i", "--max-time", "5"]
    if let resolve { argv += ["--resolve", resolve] }
    if let cacert { argv += ["--cacert", cacert] }
    return run(argv + extra + [url])
  }

  /// Starts a long-running process with output to a file.
  static func spawn(_ argv: [String], log: String, environment: [String: String] = [:]) -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: argv[0].hasPrefix("/") ? argv[0] : "/usr/bin/env")
    p.arguments = argv[0].hasPrefix("/") ? Array(argv.dropFirst()) : argv
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    FileManager.default.createFile(atPath: log, contents: nil)
    p.standardOutput = FileHandle(forWritingAtPath: log)
    p.standardError = FileHandle(forWritingAtPath: log)
    p.standardInput = FileHandle.nullDevice
    try! p.run()
    return p
  }

  /// Stops the nginx whose pid file is under `prefix` and waits for it to exit.
  static func stopNginx(_ prefix: String) {
    guard let text = try? String(contentsOfFile: prefix + "/run/nginx.pid", encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0,
      let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), String(decoding: cmdline, as: UTF8.self).contains("nginx")
    else { return }
    kill(pid, SIGQUIT)
    _ = eventually(within: 10) { kill(pid, 0) != 0 || isZombie(pid) }
  }

  /// An exited process its parent has not reaped yet (a daemon's parent here is PID 1, which reaps when it gets to it).
  static func isZombie(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
  }

  /// An upstream that answers every request with the request headers it received (python3's http.server).
  static func echoUpstream(port: Int, log: String) -> Process {
    let script = """
      import http.server
      class H(http.server.BaseHTTPRequestHandler):
          def do_GET(self):
              body = ("path=%s\\n" % self.path + "".join("%s: %s\\n" % (k, v) for k, v in self.headers.items())).encode()
              self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
          def log_message(self, *a): pass
      http.server.HTTPServer(("127.0.0.1", \(port)), H).serve_forever()
      """
    // Debian's python3 itself (not a version-manager shim that would outlive `terminate()`).
    let p = spawn(["/usr/bin/python3", "-c", script], log: log)
    _ = eventually(within: 10) { curl("http://127.0.0.1:\(port)/").status == 0 }
    return p
  }
}

/// Debian's pebble (a real ACME server) with pebble-challtestsrv as its DNS (every name → 127.0.0.1),
/// validating HTTP-01 on `httpPort`, with `PEBBLE_VA_NOSLEEP=1`. Its own HTTPS uses a certificate made by openssl.
struct PebbleServer {
  let dir: String
  let acmePort = freePort()
  let managementPort = freePort()
  let dnsPort = freePort()
  var processes: [Process] = []

  var directoryURL: String { "https://127.0.0.1:\(acmePort)/dir" }
  var caBundle: String { dir + "/pebble-tls.crt" }

  init(dir: String, httpPort: Int) throws {
    self.dir = dir
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let tls = ProxyTest.run([
      "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir + "/pebble-tls.key", "-out", caBundle, "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "2",
    ])
    try #require(tls.status == 0, "openssl: \(tls.text)")
    let config = """
      {"pebble": {"listenAddress": "127.0.0.1:\(acmePort)", "managementListenAddress": "127.0.0.1:\(managementPort)", "certificate": "\(caBundle)",
      "privateKey": "\(dir)/pebble-tls.key", "httpPort": \(httpPort), "tlsPort": \(freePort()), "ocspResponderURL": "", "externalAccountBindingRequired": false}}
      """
    try config.write(toFile: dir + "/pebble.json", atomically: true, encoding: .utf8)
    processes.append(
      ProxyTest.spawn(
        [
          "pebble-challtestsrv", "-defaultIPv6", "", "-dns01", "127.0.0.1:\(dnsPort)", "-http01", "", "-https01", "", "-tlsalpn01", "", "-management",
          "127.0.0.1:\(freePort())",
        ],
        log: dir + "/challtestsrv.log"))
    processes.append(
      ProxyTest.spawn(
        ["pebble", "-config", dir + "/pebble.json", "-dnsserver", "127.0.0.1:\(dnsPort)"], log: dir + "/pebble.log",
        environment: ["PEBBLE_VA_NOSLEEP": "1", "PEBBLE_AUTHZREUSE": "0"]))
    let url = directoryURL, ca = caBundle
    try #require(eventually(within: 15) { ProxyTest.curl(url, cacert: ca).text.contains("newOrder") }, "pebble did not come up")
  }

  /// Pebble's root CA (generated at start), as PEM in a file.
  func rootCA() throws -> String {
    let out = ProxyTest.run(["curl", "-sS", "--cacert", caBundle, "https://127.0.0.1:\(managementPort)/roots/0"])
    try #require(out.text.contains("BEGIN CERTIFICATE"))
    let path = dir + "/pebble-root.pem"
    try out.text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  func stop() {
    for p in processes where p.isRunning {
      p.terminate()
      p.waitUntilExit()
    }
  }
}
