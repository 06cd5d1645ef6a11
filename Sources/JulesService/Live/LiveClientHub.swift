import Foundation
import Essentials

/// Fans session deltas out to connected Server-Sent Events and WebSocket clients.
public final class LiveClientHub: Sendable {
  /// Both kinds under one lock: admission counts them together (two locks taken in either order could deadlock).
  private struct Clients {
    var sse: [ObjectIdentifier: EventStreamClient] = [:]
    var ws: [ObjectIdentifier: WebSocketClient] = [:]
    var count: Int { sse.count + ws.count }
  }
  private let clients = Locked(Clients())
  private let closed = Locked(false)
  /// WebSocket and event-stream clients at once (`MAX_LIVE_CLIENTS`).
  public let limit: Int

  public init(limit: Int = 256) { self.limit = limit }

  /// Whether one more client would be admitted now (checked before answering 101 or opening a stream).
  public var hasRoom: Bool { liveClients < limit }
  var isClosed: Bool { closed.current }

  public var liveClients: Int { clients.withLock { $0.count } }
  public var webSocketClients: Int { clients.withLock { $0.ws.count } }
  public var eventStreamClients: Int { clients.withLock { $0.sse.count } }

  /// Sends one poll's deltas to every client: an SSE `session` event each, and to each WebSocket one text frame in
  /// the peer's shape, `{"type":"session_update","delta":[…]}`.
  public func broadcast(_ deltas: [SessionDelta]) {
    guard !deltas.isEmpty else { return }
    let jsons = deltas.map(JSONCoding.encode)
    let (streams, sockets) = clients.withLock { (Array($0.sse.values), Array($0.ws.values)) }
    for json in jsons {
      let event = Array("event: session\ndata: ".utf8) + json + Array("\n\n".utf8)
      for c in streams { c.push(event) }
    }
    let batch = Self.batch(jsons)
    for c in sockets { c.send(text: batch) }
  }

  /// One poll's deltas as the peer sends them on its WebSocket and webhook: `{"type":"session_update","delta":[…]}`.
  public static func batch(_ deltas: [SessionDelta]) -> [UInt8] { batch(deltas.map(JSONCoding.encode)) }

  static func batch(_ jsons: [[UInt8]]) -> [UInt8] {
    Array(#"{"type":"session_update","delta":["#.utf8) + Array(jsons.joined(separator: Array(",".utf8))) + Array("]}".utf8)
  }

  /// A new SSE stream registered with the hub; it leaves the hub when its connection ends. Nil when the hub is full.
  public func openEventStream(keepAliveSeconds: Double = 15) -> EventStreamClient? {
    let c = EventStreamClient(keepAlive: keepAliveSeconds) { [weak self] c in self?.clients.withLock { $0.sse[ObjectIdentifier(c)] = nil } }
    if closed.current {
      c.close()
      return c
    }
    return admit { $0.sse[ObjectIdentifier(c)] = c } ? c : nil
  }

  /// Adds a client with `insert` when there is room.
  private func admit(_ insert: (inout Clients) -> Void) -> Bool {
    clients.withLock { all in
      guard all.count < limit else { return false }
      insert(&all)
      return true
    }
  }

  /// False when the hub is closing or full (the client is then sent away with close code 1013, try again later).
  func register(_ c: WebSocketClient) -> Bool {
    if closed.current { return false }
    return admit { $0.ws[ObjectIdentifier(c)] = c }
  }

  func unregister(_ c: WebSocketClient) { clients.withLock { $0.ws[ObjectIdentifier(c)] = nil } }

  /// Ends every stream and WebSocket (close frame 1001); used on shutdown.
  public func closeAll() {
    closed.withLock { $0 = true }
    let (streams, sockets) = clients.withLock { (Array($0.sse.values), Array($0.ws.values)) }
    for c in streams { c.close() }
    for c in sockets { c.requestClose() }
    let deadline = systemMonotonicSeconds() + 2
    while liveClients > 0 && systemMonotonicSeconds() < deadline { usleep(5_000) }
  }
}

/// One Server-Sent Events connection: a queue of chunks that its connection takes when it is woken, and a comment
/// after `keepAlive` seconds without one.
public final class EventStreamClient: ResponseStream, @unchecked Sendable {
  private struct State {
    var chunks: [[UInt8]] = [Array(": connected\n\n".utf8)]
    var closed = false
    var wake: (@Sendable () -> Void)?
    var lastSent = systemMonotonicSeconds()
  }
  private let state = Locked(State())
  private let keepAlive: Double
  private let onFinish: @Sendable (EventStreamClient) -> Void

  init(keepAlive: Double, onFinish: @escaping @Sendable (EventStreamClient) -> Void) {
    self.keepAlive = keepAlive
    self.onFinish = onFinish
  }

  func push(_ chunk: [UInt8]) {
    let wake = state.withLock { s -> (@Sendable () -> Void)? in
      if s.chunks.count < 1000 { s.chunks.append(chunk) }
      defer { s.wake = nil }
      return s.wake
    }
    wake?()
  }

  func close() {
    let wake = state.withLock { s -> (@Sendable () -> Void)? in
      s.closed = true
      defer { s.wake = nil }
      return s.wake
    }
    wake?()
  }

  public func next(wake: @escaping @Sendable () -> Void) -> StreamStep {
    state.withLock { s in
      let now = systemMonotonicSeconds()
      if !s.chunks.isEmpty {
        s.lastSent = now
        return .chunk(s.chunks.removeFirst())
      }
      if s.closed { return .end }
      if now - s.lastSent >= keepAlive {
        s.lastSent = now
        return .chunk(Array(": keepalive\n\n".utf8))
      }
      s.wake = wake
      return .later
    }
  }

  public func finished() {
    close()
    onFinish(self)
  }
}
