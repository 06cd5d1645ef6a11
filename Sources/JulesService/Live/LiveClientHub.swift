import Foundation
import Essentials

/// Fans session deltas out to connected Server-Sent Events and WebSocket clients.
public final class LiveClientHub: Sendable {
  private let sse = Locked([ObjectIdentifier: EventStreamClient]())
  private let ws = Locked([ObjectIdentifier: WebSocketClient]())
  private let closed = Locked(false)

  public init() {}

  public var liveClients: Int { sse.current.count + ws.current.count }
  public var webSocketClients: Int { ws.current.count }
  public var eventStreamClients: Int { sse.current.count }

  /// Sends one poll's deltas to every client: an SSE `session` event each, and to each WebSocket one text frame in
  /// the peer's shape, `{"type":"session_update","delta":[…]}`.
  public func broadcast(_ deltas: [SessionDelta]) {
    guard !deltas.isEmpty else { return }
    let jsons = deltas.map(JSONCoding.encode)
    for json in jsons {
      let event = Array("event: session\ndata: ".utf8) + json + Array("\n\n".utf8)
      for c in sse.current.values { c.push(event) }
    }
    let batch = Self.batch(jsons)
    for c in ws.current.values { c.send(text: batch) }
  }

  /// One poll's deltas as the peer sends them on its WebSocket and webhook: `{"type":"session_update","delta":[…]}`.
  public static func batch(_ deltas: [SessionDelta]) -> [UInt8] { batch(deltas.map(JSONCoding.encode)) }

  static func batch(_ jsons: [[UInt8]]) -> [UInt8] {
    Array(#"{"type":"session_update","delta":["#.utf8) + Array(jsons.joined(separator: Array(",".utf8))) + Array("]}".utf8)
  }

  /// A new SSE stream registered with the hub; it leaves the hub when its connection ends.
  public func openEventStream(keepAliveSeconds: Double = 15) -> EventStreamClient {
    let c = EventStreamClient(keepAlive: keepAliveSeconds) { [weak self] c in self?.sse.withLock { $0[ObjectIdentifier(c)] = nil } }
    if closed.current { c.close() } else { sse.withLock { $0[ObjectIdentifier(c)] = c } }
    return c
  }

  func register(_ c: WebSocketClient) -> Bool {
    if closed.current { return false }
    ws.withLock { $0[ObjectIdentifier(c)] = c }
    return true
  }

  func unregister(_ c: WebSocketClient) { ws.withLock { $0[ObjectIdentifier(c)] = nil } }

  /// Ends every stream and WebSocket (close frame 1001); used on shutdown.
  public func closeAll() {
    closed.withLock { $0 = true }
    for c in sse.current.values { c.close() }
    for c in ws.current.values { c.requestClose() }
    let deadline = systemMonotonicSeconds() + 2
    while liveClients > 0 && systemMonotonicSeconds() < deadline { usleep(5_000) }
  }
}

/// One Server-Sent Events connection: a queue of chunks, drained by the MHD connection thread.
public final class EventStreamClient: ResponseStream, @unchecked Sendable {
  private let cond = NSCondition()
  private var chunks: [[UInt8]] = [Array(": connected\n\n".utf8)]
  private var isClosed = false
  private let keepAlive: Double
  private let onFinish: @Sendable (EventStreamClient) -> Void

  init(keepAlive: Double, onFinish: @escaping @Sendable (EventStreamClient) -> Void) {
    self.keepAlive = keepAlive
    self.onFinish = onFinish
  }

  func push(_ chunk: [UInt8]) {
    cond.lock()
    if chunks.count < 1000 { chunks.append(chunk) }
    cond.signal()
    cond.unlock()
  }

  func close() {
    cond.lock()
    isClosed = true
    cond.broadcast()
    cond.unlock()
  }

  public func nextChunk() -> [UInt8]? {
    cond.lock()
    defer { cond.unlock() }
    let deadline = Date().addingTimeInterval(keepAlive)
    while chunks.isEmpty && !isClosed {
      if !cond.wait(until: deadline) { return Array(": keepalive\n\n".utf8) }
    }
    if chunks.isEmpty { return nil }
    return chunks.removeFirst()
  }

  public func finished() {
    close()
    onFinish(self)
  }
}
