import Foundation
import Essentials
import HTTPKit
import Testing

/// `UnixSocketTransport` against a small HTTP/1.1 peer (Python, on a unix socket) that answers each path with one of
/// the framings and misbehaviours a server may show; the Engine's own answers are covered by the Docker suites.
@Suite("HTTP over a unix socket: framing, kept-alive connections, deadlines")
struct UnixSocketTransportTests {
  static let peer = #"""
    import os, socket, sys, threading, time
    path = sys.argv[1]
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # Bound and listening under another name first: the socket appears at `path` only once it accepts connections.
    server.bind(path + ".new"); server.listen(16); os.rename(path + ".new", path)
    connections = 0
    def answer(conn, target, body):
        global connections
        if target == "/connections":
            text = str(connections).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(text), text)); return True
        if target == "/length":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Name:  first \r\nX-Name: last\r\n\r\nhello"); return True
        if target == "/echo":
            conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)); return True
        if target == "/chunked":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for part in [b"abc", b"defgh", b"i" * 70000]:
                conn.sendall(b"%x;ext=1\r\n%s\r\n" % (len(part), part)); time.sleep(0.05)
            conn.sendall(b"0\r\nX-Trailer: t\r\n\r\n"); return True
        if target == "/continue":
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 7\r\n\r\nmissing"); return True
        if target == "/eof":
            conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nuntil the end"); return False
        if target == "/then-drop":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); return "drop"
        if target == "/then-close":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); return False
        if target == "/slow":
            time.sleep(5); return False
        if target == "/forever":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            while True:
                conn.sendall(b"4\r\ntick\r\n"); time.sleep(0.05)
        if target == "/flood":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            while True:
                conn.sendall(b"1000\r\n" + b"x" * 4096 + b"\r\n")
        if target == "/cut":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"); return False
        if target == "/garbage":
            conn.sendall(b"SSH-2.0-OpenSSH\r\n\r\n"); return False
        return False
    def serve(conn):
        data = b""
        dropping = False
        try:
            while True:
                while b"\r\n\r\n" not in data:
                    more = conn.recv(65536)
                    if not more: return
                    data += more
                head, data = data.split(b"\r\n\r\n", 1)
                lines = head.decode().split("\r\n")
                target = lines[0].split(" ")[1]
                fields = dict(l.split(": ", 1) for l in lines[1:])
                length = int(fields.get("Content-Length", "0"))
                while len(data) < length: data += conn.recv(65536)
                body, data = data[:length], data[length:]
                if dropping: return
                result = answer(conn, target, body)
                if not result: return
                dropping = result == "drop"
        except OSError:
            pass
        finally:
            conn.close()
    while True:
        conn, _ = server.accept()
        connections += 1
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
    """#

  /// Runs `body` with a transport to a fresh peer.
  func withPeer(_ body: (UnixSocketTransport, String) throws -> Void) throws {
    let dir = NSTemporaryDirectory() + "uds-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let socketPath = dir + "/peer.sock"
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    python.arguments = ["-c", Self.peer, socketPath]
    try python.run()
    defer { kill(python.processIdentifier, SIGKILL) }
    // Python starts in well under a second, but the whole suite on two cores has taken longer.
    for _ in 0..<3000 where !FileManager.default.fileExists(atPath: socketPath) { usleep(10_000) }
    try #require(FileManager.default.fileExists(atPath: socketPath), "the peer listens within 30 s")
    try body(UnixSocketTransport(socketPath: socketPath, maxIdleConnections: 2), socketPath)
  }

  func get(_ path: String, timeout: Double? = 5) -> TransferRequest {
    TransferRequest(method: "GET", url: "http://localhost\(path)", timeout: timeout, connectTimeout: 2)
  }

  @Test func framingsAreReadWholeAndConnectionsKeptAlive() throws {
    try withPeer { transport, _ in
      let length = try transport.perform(get("/length"))
      #expect(length.status == 200)
      #expect(String(decoding: length.body, as: UTF8.self) == "hello")
      #expect(length.headers["x-name"] == "last", "the last of repeated headers, lower-case name, trimmed value")

      var post = TransferRequest(method: "POST", url: "http://localhost/echo", timeout: 5, connectTimeout: 2)
      post.body = Data(repeating: 7, count: 200_000)
      post.headers = [("Content-Type", "application/octet-stream"), ("X-Empty", "")]
      let echo = try transport.perform(post)
      #expect(echo.status == 201)
      #expect(echo.body == post.body, "a body larger than a socket buffer goes and comes back whole")

      let chunked = try transport.perform(get("/chunked"))
      #expect(chunked.body == Data("abcdefgh".utf8) + Data(repeating: UInt8(ascii: "i"), count: 70000))

      let continued = try transport.perform(get("/continue"))
      #expect(continued.status == 404, "a 100 Continue is skipped for the answer after it")
      #expect(String(decoding: continued.body, as: UTF8.self) == "missing")

      let connections = try transport.perform(get("/connections"))
      #expect(String(decoding: connections.body, as: UTF8.self) == "1", "five requests, one kept-alive connection")
    }
  }

  @Test func aClosedKeptAliveConnectionIsReplacedAndAnAnswerToTheEndIsRead() throws {
    try withPeer { transport, _ in
      #expect(String(decoding: try transport.perform(get("/then-close")).body, as: UTF8.self) == "ok")
      usleep(100_000)
      // The pooled connection was closed by the peer: the next request goes on a new one and succeeds.
      #expect(try transport.perform(get("/length")).status == 200)
      let untilEOF = try transport.perform(get("/eof"))
      #expect(String(decoding: untilEOF.body, as: UTF8.self) == "until the end")
      #expect(try transport.perform(get("/length")).status == 200)
      // A kept-alive connection that looks alive but is closed on the next request, unanswered: sent again on a new one.
      #expect(try transport.perform(get("/then-drop")).status == 200)
      #expect(try transport.perform(get("/length")).status == 200)
      #expect(String(decoding: try transport.perform(get("/connections")).body, as: UTF8.self) == "4")
    }
  }

  @Test func aStreamStopsWhenItsConsumerOrItsCancellationSaysSo() throws {
    try withPeer { transport, _ in
      let seen = Locked(0)
      let stopped = try transport.perform(get("/forever", timeout: nil)) { chunk in
        seen.withLock { $0 += chunk.count }
        return seen.current < 12
      }
      #expect(stopped.status == 200)
      #expect(seen.current >= 12)

      let cancellation = TransferCancellation()
      let started = Date()
      DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { cancellation.set() }
      #expect(throws: CancellationError.self) {
        _ = try transport.perform(get("/forever", timeout: nil), cancellation: cancellation) { _ in true }
      }
      #expect(Date().timeIntervalSince(started) < 3, "cancelled within about a second")
    }
  }

  /// A stream whose data never pauses (its reader slower than its writer) still ends at its deadline and when
  /// cancelled: neither waits for a quiet moment.
  @Test func aStreamThatNeverPausesEndsAtItsDeadlineAndWhenCancelled() throws {
    try withPeer { transport, _ in
      let giveUp = Date().addingTimeInterval(10)
      let started = Date()
      let late = #expect(throws: TransferError.self) {
        _ = try transport.perform(get("/flood", timeout: 0.5)) { _ in
          usleep(500)
          return Date() < giveUp
        }
      }
      #expect(late?.kind == .timedOut)
      #expect(Date().timeIntervalSince(started) < 3)

      let cancellation = TransferCancellation()
      DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { cancellation.set() }
      let again = Date()
      #expect(throws: CancellationError.self) {
        _ = try transport.perform(get("/flood", timeout: nil), cancellation: cancellation) { _ in
          usleep(500)
          return Date() < giveUp
        }
      }
      #expect(Date().timeIntervalSince(again) < 3)
    }
  }

  @Test func failuresAreTyped() throws {
    try withPeer { transport, socketPath in
      let slow = #expect(throws: TransferError.self) { try transport.perform(self.get("/slow", timeout: 0.3)) }
      #expect(slow?.kind == .timedOut)
      let cut = #expect(throws: TransferError.self) { try transport.perform(self.get("/cut")) }
      #expect(cut?.kind == .other)
      #expect(cut?.status == 200)
      #expect(cut?.message == "Connection closed before the answer was complete")
      let garbage = #expect(throws: TransferError.self) { try transport.perform(self.get("/garbage")) }
      #expect(garbage?.message.hasPrefix("Not an HTTP/1.1 answer") == true)

      let missing = UnixSocketTransport(socketPath: socketPath + ".absent")
      let absent = #expect(throws: TransferError.self) { try missing.perform(self.get("/length")) }
      #expect(absent?.kind == .couldNotConnect)
      #expect(absent?.osErrno == ENOENT)
    }
  }
}
