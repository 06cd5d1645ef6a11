import Essentials
import Foundation
import HTTPKit

/// Sends GET requests from several threads until stopped and counts every response by status and body (a request
/// that got no answer counts as `ERR`), with one thread that keeps a slow request in flight (a fresh connection each
/// time). Zero failed requests is a number a test shows.
public final class LoadGenerator: @unchecked Sendable {
  public struct Slow: Sendable {
    public var started: Date
    public var ended: Date
    public var outcome: String
  }

  public let counts = Locked<[String: Int]>([:])
  public let slow = Locked<[Slow]>([])
  /// When each request that got no answer was sent.
  public let errors = Locked<[Date]>([])
  private let running = Locked(true)
  private var threads: [Thread] = []
  private let done = DispatchGroup()
  public private(set) var started = Date()
  public private(set) var stopped = Date()

  /// `url` is asked by `threads` threads, each waiting `pause` seconds between its requests (a steady rate rather than
  /// tens of thousands of connections in TIME_WAIT); `slowURL` (when given) by one more, one request at a time.
  /// `caBundle`: the CA file that signs an HTTPS `url`'s certificate.
  public init(url: String, threads: Int = 4, pause: Double = 0, slowURL: String? = nil, caBundle: String? = nil) {
    let running = running, counts = counts, slow = slow, errors = errors
    for _ in 0..<threads {
      spawn {
        // One kept-alive connection per thread, as browsers and API clients keep theirs (libcurl reconnects when the
        // server closed it in between, as a reloading nginx does with idle connections).
        let transport = CurlTransport(maxIdleHandles: 1)
        while running.current {
          let key: String
          let sent = Date()
          do {
            var request = TransferRequest(method: "GET", url: url, timeout: 10, connectTimeout: 5)
            request.caBundlePath = caBundle
            let r = try transport.perform(request)
            key = "\(r.status) \(String(decoding: r.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))"
          } catch {
            key = "ERR \(error)"
            errors.withLock { $0.append(sent) }
          }
          counts.withLock { $0[key, default: 0] += 1 }
          if pause > 0 { Thread.sleep(forTimeInterval: pause) }
        }
      }
    }
    if let slowURL {
      spawn {
        let client = HTTPClient(timeoutSeconds: 30)
        while running.current {
          let t = Date()
          let outcome = (try? client.send("GET", slowURL)).map { "\($0.status) \($0.text.trimmingCharacters(in: .whitespacesAndNewlines))" } ?? "ERR"
          slow.withLock { $0.append(Slow(started: t, ended: Date(), outcome: outcome)) }
        }
      }
    }
  }

  private func spawn(_ body: @escaping @Sendable () -> Void) {
    done.enter()
    let group = done
    let t = Thread {
      body()
      group.leave()
    }
    threads.append(t)
    t.start()
  }

  /// Stops every thread after its request in flight and waits for them.
  public func stop() {
    running.withLock { $0 = false }
    done.wait()
    stopped = Date()
  }

  /// Every response that was not a 200.
  public var failures: [String: Int] { counts.current.filter { !$0.key.hasPrefix("200 ") } }
  public var total: Int { counts.current.values.reduce(0, +) }
  public var perSecond: Double { Double(total) / max(stopped.timeIntervalSince(started), 0.001) }
}
