import Foundation

/// An error from talking to the Docker Engine, with text that names the call and the cause.
///
/// The text never includes request bodies (they may carry secrets in `Env`).
public enum DockerEngineError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The socket did not accept a connection (`cause` is the OS error, lower case).
  case unreachable(host: String, cause: String)
  /// The Engine answered with a status >= 400; `message` is the Engine's own `message`.
  case engine(status: Int, call: String, message: String)
  /// The call did not finish within its deadline.
  case timedOut(host: String, call: String, seconds: Double)
  /// A transport failure other than connection refusal (the transport's text).
  case transport(host: String, call: String, cause: String)
  /// The Engine answered 2xx but the body was not what the API documents.
  case unexpectedResponse(call: String, cause: String)
  /// A streaming call (build, import) reported an error inside a 200 stream.
  case streamError(call: String, message: String)

  public var description: String {
    switch self {
    case .unreachable(let host, let cause):
      return "cannot reach the Docker Engine at \(host): \(cause) (is dockerd running?)"
    case .engine(let status, let call, let message):
      return "Docker Engine answered \(status) on \(call): \(message)"
    case .timedOut(let host, let call, let seconds):
      return "Docker Engine at \(host) did not answer \(call) within \(DockerEngineError.format(seconds)) s"
    case .transport(let host, let call, let cause):
      return "\(call) to the Docker Engine at \(host) failed: \(cause)"
    case .unexpectedResponse(let call, let cause):
      return "unexpected answer from the Docker Engine to \(call): \(cause)"
    case .streamError(let call, let message):
      return "Docker Engine reported an error during \(call): \(message)"
    }
  }

  /// The HTTP status the Engine answered, if it answered.
  public var status: Int? {
    if case .engine(let status, _, _) = self { return status }
    return nil
  }

  /// Whether the same call may succeed later: unreachable, timeouts and 5xx are worth a retry;
  /// 4xx (bad request, conflict, not found) are not.
  public var isRetryable: Bool {
    switch self {
    case .unreachable, .timedOut, .transport: return true
    case .engine(let status, _, _): return status >= 500
    case .unexpectedResponse, .streamError: return false
    }
  }

  public var isNotFound: Bool { status == 404 }
  public var isConflict: Bool { status == 409 }

  static func format(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
  }
}

extension DockerEngineError: LocalizedError {
  public var errorDescription: String? { description }
}
