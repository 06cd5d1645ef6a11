import CMicroHTTPD
import Foundation
import Essentials

/// An HTTP/1.1 server on libmicrohttpd: a few event-loop threads (epoll), each serving many connections, and a
/// pool of workers for requests that may wait on something else. One handler per request.
///
/// A request that `Options.quick` admits is answered on its event-loop thread; any other is handed to a worker
/// while its connection is out of the loop (suspended), so that a slow upstream or a sleeping handler never holds a
/// thread that other connections need. Streams (Server-Sent Events) are suspended between chunks the same way.
/// `start()` binds; `shutdown(grace:)` stops accepting, lets in-flight requests finish within the grace period and
/// then closes every connection.
public final class HTTPServer: @unchecked Sendable {
  public struct Options: Sendable {
    public var host: String = "127.0.0.1"
    public var port: UInt16 = 0
    public var maxBodyBytes: Int = 1 << 20
    /// Open connections at most; the file limit is raised to fit them when it can be.
    public var connectionLimit: UInt32 = 4096
    public var timeoutSeconds: UInt32 = 30
    public var memoryLimitBytes: Int = 32 * 1024
    public var perIPConnectionLimit: UInt32 = 0
    /// Event-loop threads (each an epoll loop over its share of the connections).
    public var eventThreads: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)
    /// Workers for requests that are not `quick`, at most (more wait in a queue, their connections suspended).
    public var workers: Int = 64
    /// Requests answered on the event loop's thread: their handling must not wait on anything. Nil: none, so any
    /// handler may block (every request runs on a worker).
    public var quick: (@Sendable (HTTPRequest) -> Bool)?
    /// Decides at accept time, before a byte is read, whether a peer may connect at all.
    public var acceptPolicy: (@Sendable (IPAddress) -> Bool)?
    /// Where libmicrohttpd's own messages go (a refused connection, a failed accept); stderr as plain text when nil.
    public var log: (@Sendable (String) -> Void)?
    /// Headers added to every response (security headers).
    public var defaultHeaders: [(String, String)] = []
    public init() {}
  }

  public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

  public let options: Options
  let handler: Handler
  let workers: WorkerPool
  private var daemon: OpaquePointer?
  private var address = sockaddr_storage()
  public private(set) var port: UInt16 = 0
  let inFlight = Locked(0)
  /// Connections out of the event loop (or that may go out), and whether the server is stopping.
  private let suspended = Locked((all: [ObjectIdentifier: Suspension](), stopping: false))
  private var ticker: Thread?

  public init(options: Options, handler: @escaping Handler) {
    self.options = options
    self.handler = handler
    workers = WorkerPool(limit: options.workers)
  }

  /// Binds and starts serving. Throws when the address is malformed or the port cannot be bound.
  public func start() throws {
    if let error = mhdLibrary.error {
      throw HTTPKitError("could not start HTTP server: libmicrohttpd could not be loaded (\(error)): install Debian's libmicrohttpd12")
    }
    var flags =
      MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_EPOLL.rawValue | MHD_USE_TURBO.rawValue
      | MHD_USE_ERROR_LOG.rawValue | MHD_ALLOW_UPGRADE.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
    guard let ip = IPAddress(options.host) else {
      throw HTTPKitError("could not start HTTP server: bind address '\(options.host)' is not an IP address")
    }
    Self.fill(&address, ip, options.port)
    // `::` takes IPv4 clients too (as `::ffff:a.b.c.d`, which `IPAddress` reads as IPv4), as Node's `listen` does.
    if !ip.isIPv4 { flags |= ip.bytes.allSatisfy { $0 == 0 } ? MHD_USE_DUAL_STACK.rawValue : MHD_USE_IPv6.rawValue }
    Self.raiseFileLimit(to: rlim_t(options.connectionLimit) + 256)
    let cls = Unmanaged.passUnretained(self).toOpaque()
    daemon = withUnsafePointer(to: &address) { p in
      p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
        rc_mhd_start(
          mhdAPI, flags, options.port, sa, httpServerAccessHandler, cls, httpServerCompleted,
          options.connectionLimit, options.timeoutSeconds, options.memoryLimitBytes,
          options.perIPConnectionLimit, UInt32(max(1, options.eventThreads)),
          options.acceptPolicy == nil ? nil : httpServerAcceptPolicy, cls,
          options.log == nil ? nil : httpServerLog)
      }
    }
    guard let daemon else {
      throw HTTPKitError("could not start HTTP server on \(options.host):\(options.port): libmicrohttpd refused (port in use or not permitted)")
    }
    port = rc_mhd_bound_port(mhdAPI, daemon)
    let t = Thread { [weak self] in
      while let server = self, !server.suspended.current.stopping {
        for s in server.suspended.current.all.values where s.ticks { s.wake() }
        usleep(1_000_000)
      }
    }
    t.name = "http-stream-ticks"
    t.start()
    ticker = t
  }

  /// Stops accepting, waits up to `grace` seconds for in-flight requests, then stops the daemon.
  public func shutdown(grace: Double) {
    guard let d = daemon else { return }
    let listen = rc_mhd_quiesce_daemon(mhdAPI, d)
    let deadline = systemMonotonicSeconds() + grace
    while inFlight.current > 0 && systemMonotonicSeconds() < deadline { usleep(10_000) }
    // libmicrohttpd must not be stopped while a connection is out of its loop: each one still out ends now (a
    // stream ends, a request whose worker has not answered gets a 503).
    let left = suspended.withLock { s -> [Suspension] in
      s.stopping = true
      return Array(s.all.values)
    }
    for s in left { s.stop() }
    let out = systemMonotonicSeconds() + 5
    while suspended.current.all.values.contains(where: { $0.isOut }) && systemMonotonicSeconds() < out { usleep(5_000) }
    rc_mhd_stop_daemon(mhdAPI, d)
    if listen >= 0 { close(listen) }
    daemon = nil
  }

  /// Keeps `s` so that a stopping server can bring it back; false when the server is stopping already.
  func track(_ s: Suspension) -> Bool {
    suspended.withLock { all in
      guard !all.stopping else { return false }
      all.all[ObjectIdentifier(s)] = s
      return true
    }
  }

  func untrack(_ s: Suspension) {
    s.end()
    suspended.withLock { _ = $0.all.removeValue(forKey: ObjectIdentifier(s)) }
  }

  private static func raiseFileLimit(to wanted: rlim_t) {
    var l = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &l) == 0, l.rlim_cur < wanted else { return }
    l.rlim_cur = min(wanted, l.rlim_max)
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &l)
  }

  private static func fill(_ storage: inout sockaddr_storage, _ ip: IPAddress, _ port: UInt16) {
    withUnsafeMutablePointer(to: &storage) { p in
      if ip.isIPv4 {
        p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
          sin.pointee.sin_family = sa_family_t(AF_INET)
          sin.pointee.sin_port = port.bigEndian
          withUnsafeMutableBytes(of: &sin.pointee.sin_addr) { $0.copyBytes(from: ip.bytes) }
        }
      } else {
        p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
          sin6.pointee.sin6_family = sa_family_t(AF_INET6)
          sin6.pointee.sin6_port = port.bigEndian
          withUnsafeMutableBytes(of: &sin6.pointee.sin6_addr) { $0.copyBytes(from: ip.bytes) }
        }
      }
    }
  }

  deinit { if daemon != nil { shutdown(grace: 0) } }
}
