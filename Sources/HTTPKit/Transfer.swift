import Foundation

/// Any HTTP answer a transport (`CurlTransport`, `UnixSocketTransport`) received: status, lower-case headers and the
/// collected body
/// (only an error body when the 2xx body was streamed to the caller).
public struct TransferResponse: Sendable {
  public var status: Int
  public var headers: [String: String]
  public var body: Data
}

/// A transfer that ended without a complete answer.
public struct TransferError: Error, Sendable, CustomStringConvertible {
  /// What went wrong, for callers that word their own errors.
  public enum Kind: Sendable, Equatable {
    /// No connection could be made (refused, no such socket, unresolvable host).
    case couldNotConnect
    /// A deadline passed (connect or whole exchange).
    case timedOut
    /// Any other failure (a connection closed mid-answer, an answer that is not HTTP).
    case other
  }
  public var kind: Kind
  /// The transport's own text (`Couldn't connect to server`).
  public var message: String
  /// The OS error of the last connect attempt, 0 when there was none.
  public var osErrno: Int32
  /// The HTTP status received before the failure, 0 when nothing answered.
  public var status: Int

  public var description: String { message }
}

/// One request for a transport: what to send and how long to wait.
public struct TransferRequest: Sendable {
  public var method: String
  /// The whole URL; over a unix socket the host part is ignored (`http://localhost/_ping`).
  public var url: String
  /// Header lines in order; a header with an empty value is not sent (and removes libcurl's own, `Content-Type:`).
  public var headers: [(String, String)] = []
  /// Sent as is, with its length; nil sends no body at all.
  public var body: Data? = nil
  /// Deadline for the whole exchange; nil means none (streams).
  public var timeout: Double?
  /// Deadline for the connection alone.
  public var connectTimeout: Double
  /// Basic credentials and a CA bundle: HTTP over TCP (`CurlTransport`) only.
  public var username: String? = nil
  public var password: String? = nil
  /// A PEM file of CA certificates to trust for HTTPS instead of the system's.
  public var caBundlePath: String? = nil

  /// A request with no headers, body or credentials; set those on the value.
  public init(method: String, url: String, timeout: Double?, connectTimeout: Double) {
    self.method = method
    self.url = url
    self.timeout = timeout
    self.connectTimeout = connectTimeout
  }
}
