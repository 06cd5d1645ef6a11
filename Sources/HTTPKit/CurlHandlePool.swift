import CCurl
import Foundation

/// A small pool of libcurl easy handles; each handle keeps its connection alive between uses.
///
/// A libcurl handle is not thread-safe, so a handle is lent to one request at a time.
/// Up to `maxIdle` handles are kept; more are created under load and freed when returned
/// (with `maxIdle` 0, every request gets a fresh handle and connection).
final class CurlHandlePool: @unchecked Sendable {
  private let lock = NSLock()
  private var idle: [UnsafeMutableRawPointer] = []
  private let maxIdle: Int

  init(maxIdle: Int = 8) {
    self.maxIdle = maxIdle
  }

  deinit {
    for handle in idle { rc_curl_easy_cleanup(curlAPI, handle) }
  }

  /// Lends a handle with all options reset (live connections are kept) to `body`.
  func withHandle<T>(_ body: (UnsafeMutableRawPointer) throws -> T) throws -> T {
    let handle = try take()
    defer { give(handle) }
    rc_curl_easy_reset(curlAPI, handle)
    return try body(handle)
  }

  /// Throws when libcurl cannot be loaded (it is loaded by the first request, not at start: see LoadedLibraries).
  private func take() throws -> UnsafeMutableRawPointer {
    if let error = curlLibrary.error {
      throw TransferError(
        kind: .other, message: "libcurl could not be loaded (\(error)): install Debian's libcurl4",
        osErrno: 0, status: 0)
    }
    lock.lock()
    let handle = idle.popLast()
    lock.unlock()
    if let handle { return handle }
    guard let created = rc_curl_easy_init(curlAPI) else { fatalError("curl_easy_init returned NULL (out of memory)") }
    return created
  }

  private func give(_ handle: UnsafeMutableRawPointer) {
    lock.lock()
    if idle.count < maxIdle {
      idle.append(handle)
      lock.unlock()
    } else {
      lock.unlock()
      rc_curl_easy_cleanup(curlAPI, handle)
    }
  }
}
