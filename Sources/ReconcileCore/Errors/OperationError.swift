import Foundation

/// An error from an operation: what it was done to (`kind/name`), the operation, a typed cause, and whether trying
/// again later may help (controller-runtime's terminal errors). The message is rendered from these parts:
/// `could not create container/web: Docker Engine answered 409 on POST /containers/create: …`.
public struct OperationError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The resource the operation was for, when it was for one.
  public var subject: ResourceID?
  /// What was being done, as the message says it after "could not": `create`, `write '/etc/app.conf'`.
  public var operation: String?
  public var cause: Cause?
  public var isRetryable: Bool
  /// The desired state was tried and judged (a canary rolled back on its figures): trying the same desired state
  /// again cannot do better, so a controller leaves it alone until the manifests change.
  public var isVerdict = false

  /// Why an operation failed.
  public enum Cause: Sendable, Hashable {
    /// The Docker Engine answered with an error (`status`), or did not answer (nil): `detail` is its own text.
    case engine(status: Int?, detail: String)
    /// An external command failed: argv, exit status and output, with secrets already redacted; `meaning` says what
    /// its failure means when that is more than "it failed" (`the new nginx configuration does not validate`).
    case command(argv: [String], status: Int32, output: String, meaning: String?)
    /// A system call on a path failed (`call` is the failing call when it is not the operation itself).
    case io(path: String, errno: Int32, call: String?)
    /// Something did not happen in time.
    case timeout(what: String, seconds: Double)
    /// Input that can never work as given: a manifest, an option, a saved plan. Not worth retrying.
    case invalid(String)
    /// Any other cause, in words.
    case failed(String)
    /// A failure of a smaller operation that this one was made of.
    indirect case because(OperationError)
    /// A step that succeeded, followed by a failure of what it carries (a refresh after it).
    indirect case afterSuccess(of: ResourceID, OperationError)
  }

  /// An error told in words alone (a usage error, a check that failed).
  public init(_ message: String, retryable: Bool = false) {
    self.init(cause: .failed(message), retryable: retryable)
  }

  /// `could not OPERATION [SUBJECT][: CAUSE]`.
  public init(doing operation: String? = nil, of subject: ResourceID? = nil, cause: Cause? = nil, retryable: Bool = false) {
    self.operation = operation
    self.subject = subject
    self.cause = cause
    self.isRetryable = retryable
  }

  /// `could not OPERATION[: DETAIL]`, the detail in words.
  public init(doing operation: String, _ detail: String, retryable: Bool = false) {
    self.init(doing: operation, cause: .failed(detail), retryable: retryable)
  }

  /// The same error as part of `operation` on `subject`, unless it already names its own operation.
  public func within(_ operation: String, of subject: ResourceID) -> OperationError {
    guard self.operation == nil else { return self }
    var e = self
    e.operation = operation
    e.subject = subject
    return e
  }

  /// This error as the cause of `operation` on `subject`, which it was part of.
  public func cause(of operation: String, _ subject: ResourceID) -> OperationError {
    var e = OperationError(doing: operation, of: subject, cause: .because(self), retryable: isRetryable)
    e.isVerdict = isVerdict
    return e
  }

  /// The same error, marked as a verdict on the desired state.
  public func asVerdict() -> OperationError {
    var e = self
    e.isVerdict = true
    return e
  }

  /// True when the Docker Engine is the cause (it answered with an error or could not be reached).
  public var isEngineFailure: Bool {
    switch cause {
    case .engine?: true
    case .because(let inner)?, .afterSuccess(_, let inner)?: inner.isEngineFailure
    default: false
    }
  }

  public var description: String {
    let head: String? =
      switch (operation, subject) {
      case (let op?, let s?): "could not \(op) \(s)"
      case (let op?, nil): "could not \(op)"
      case (nil, let s?): "\(s)"
      case (nil, nil): nil
      }
    guard let cause else { return head ?? "failed" }
    let text = cause.text
    guard let head else { return text }
    if case .afterSuccess = cause { return text }
    return "\(head): \(text)"
  }
}

extension OperationError.Cause {
  /// The cause as the message tells it.
  public var text: String {
    switch self {
    case .engine(_, let detail): return detail
    case .command(let argv, let status, let output, let meaning):
      let body = output.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
      return (meaning.map { "\($0): " } ?? "") + "`\(argv.joined(separator: " "))` exited with status \(status):\n\(body)"
    case .io(_, let errno, let call):
      return (call.map { "\($0): " } ?? "") + String(cString: strerror(errno))
    case .timeout(let what, let seconds):
      return "\(what) within \(seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds))s"
    case .invalid(let text), .failed(let text):
      return text
    case .because(let inner):
      return inner.description
    case .afterSuccess(let done, let inner):
      return "\(done) is done, but \(inner)"
    }
  }
}

extension OperationError: LocalizedError {
  public var errorDescription: String? { description }
}
