import Foundation
import JulesService
import TestSupport

/// A private nginx with `dav_methods PUT DELETE MKCOL` serving `root` on a free loopback port —
/// the LiteWriter WebDAV target in tests. `/readonly/` has no DAV methods (PUT answers 405). With `proxyTo`, a second
/// server on `tlsPort` proxies `/jules/` to that loopback port over TLS as the bundled site does (nginx's default
/// buffering on, a self-signed certificate).
final class NginxDAV: @unchecked Sendable {
  let prefix: String
  let root: String
  let port: UInt16
  let tlsPort = UInt16(freePort())
  let process = Process()

  init(proxyTo: UInt16? = nil) throws {
    prefix = makeTempDir("nginx")
    root = prefix + "/dav"
    port = UInt16(freePort())
    try FileManager.default.createDirectory(atPath: root + "/readonly", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: root + "/notes", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: prefix + "/logs", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: prefix + "/body", withIntermediateDirectories: true)
    // Workers run as an unprivileged user when the tests run as root: let them write.
    for dir in [prefix, root, root + "/notes", root + "/readonly", prefix + "/body"] {
      try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir)
    }
    let conf = """
      worker_processes 1;
      error_log \(prefix)/logs/error.log;
      events { worker_connections 64; }
      http {
        access_log off;
        client_body_temp_path \(prefix)/body;
        proxy_temp_path \(prefix)/proxy;
        fastcgi_temp_path \(prefix)/fastcgi;
        uwsgi_temp_path \(prefix)/uwsgi;
        scgi_temp_path \(prefix)/scgi;
        server {
          listen 127.0.0.1:\(port);
          root \(root);
          location /notes/ { dav_methods PUT DELETE MKCOL; create_full_put_path on; dav_access user:rw group:r all:r; }
          location /readonly/ { }
        }
        server {
          listen 127.0.0.1:\(tlsPort) ssl;
          ssl_certificate \(prefix)/cert.pem;
          ssl_certificate_key \(prefix)/key.pem;
          \(proxyTo.map { "location /jules/ { proxy_pass http://127.0.0.1:\($0)/; proxy_http_version 1.1; proxy_read_timeout 1h; }" } ?? "")
        }
      }
      """
    try conf.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
    let openssl = Process()
    openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    openssl.arguments = [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", prefix + "/key.pem", "-out", prefix + "/cert.pem",
      "-days", "1", "-subj", "/CN=localhost",
    ]
    openssl.standardOutput = FileHandle.nullDevice
    openssl.standardError = FileHandle.nullDevice
    try openssl.run()
    openssl.waitUntilExit()
    process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
    process.arguments = ["-p", prefix, "-c", prefix + "/nginx.conf", "-g", "daemon off; pid \(prefix)/nginx.pid;"]
    process.standardError = FileHandle.nullDevice
    try process.run()
    let url = "http://127.0.0.1:\(port)/readonly/"
    guard eventually(within: 10, { (try? HTTPClient(timeoutSeconds: 1).send("GET", url))?.status != nil }) else {
      stop()
      throw JulesError("could not start nginx on 127.0.0.1:\(port): no answer within 10 s")
    }
  }

  var notesURL: String { "http://127.0.0.1:\(port)/notes/" }
  var readonlyURL: String { "http://127.0.0.1:\(port)/readonly/" }

  func remote(_ rel: String) -> String? { try? String(contentsOfFile: root + "/notes/" + rel, encoding: .utf8) }

  func stop() {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
    try? FileManager.default.removeItem(atPath: prefix)
  }
}
