import DockerEngine
import ReconcileCore

extension DockerEngineError {
  /// The error as the cause of an operation: the Engine's status (nil when it did not answer) and its own text,
  /// with `detail` after it (a build's last output lines).
  public func operationError(doing operation: String? = nil, of subject: ResourceID? = nil, detail: String = "") -> OperationError {
    OperationError(doing: operation, of: subject, cause: .engine(status: status, detail: description + detail), retryable: isRetryable)
  }
}
