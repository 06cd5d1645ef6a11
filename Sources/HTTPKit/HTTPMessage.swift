import Foundation

/// One HTTP request as the handler sees it: lower-case header names, the whole body, the socket peer.
public struct HTTPRequest: Sendable {
  public var method: String
  public var path: String
  public var query: [String: String]
  public var headers: [String: String]
  public var body: [UInt8]
  public var peer: IPAddress?

  public init(
    method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
    body: [UInt8] = [], peer: IPAddress? = nil
  ) {
    self.method = method
    self.path = path
    self.query = query
    self.headers = headers
    self.body = body
    self.peer = peer
  }

  public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// What a stream has to send now.
public enum StreamStep: Sendable {
  case chunk([UInt8])
  /// Nothing yet: the stream calls the `wake` it was given once it has something or has ended.
  case later
  case end
}

/// A response body that is produced over time (Server-Sent Events). Never waits: its connection leaves the event
/// loop between chunks, and comes back when the stream wakes it, and at least once a second besides (a keep-alive
/// needs no timer of its own).
public protocol ResponseStream: AnyObject, Sendable {
  func next(wake: @escaping @Sendable () -> Void) -> StreamStep
  /// Called once when the connection is gone.
  func finished()
}

/// Takes over the socket after a `101 Switching Protocols` (WebSocket).
public protocol ConnectionUpgrader: Sendable {
  /// Runs on its own thread; must call `close` exactly once when done with the socket.
  func run(socket: Int32, extra: [UInt8], close: @escaping @Sendable () -> Void)
}

public struct HTTPResponse: Sendable {
  public enum Body: Sendable {
    case bytes([UInt8])
    case stream(any ResponseStream)
    case upgrade(any ConnectionUpgrader)
  }

  public var status: Int
  public var headers: [(String, String)]
  public var body: Body

  public init(status: Int, headers: [(String, String)] = [], body: Body = .bytes([])) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  public init(status: Int, text: String, headers: [(String, String)] = []) {
    self.init(
      status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + headers,
      body: .bytes(Array(text.utf8)))
  }

  /// A JSON response from an already-encoded body.
  public static func json(_ status: Int, _ body: [UInt8], headers: [(String, String)] = []) -> HTTPResponse {
    HTTPResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: .bytes(body))
  }

  /// A JSON object response; values must be JSONSerialization-compatible.
  public static func json(_ status: Int, object: Any, headers: [(String, String)] = []) -> HTTPResponse {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return json(status, Array(data), headers: headers)
  }

  /// `{"error": message}` with `status`.
  public static func error(_ status: Int, _ message: String, headers: [(String, String)] = []) -> HTTPResponse {
    json(status, object: ["error": message], headers: headers)
  }

  public var bodyBytes: [UInt8] {
    if case .bytes(let b) = body { return b }
    return []
  }
}
