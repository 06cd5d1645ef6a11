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

  private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

  init(maxIdle: Int = 8) {
    _ = CurlHandlePool.globalInit
    self.maxIdle = maxIdle
  }

  deinit {
    for handle in idle { curl_easy_cleanup(handle) }
  }

  /// Lends a handle with all options reset (live connections are kept) to `body`.
  func withHandle<T>(_ body: (UnsafeMutableRawPointer) throws -> T) throws -> T {
    let handle = take()
    defer { give(handle) }
    curl_easy_reset(handle)
    return try body(handle)
  }

  private func take() -> UnsafeMutableRawPointer {
    lock.lock()
    let handle = idle.popLast()
    lock.unlock()
    if let handle { return handle }
    guard let created = curl_easy_init() else { fatalError("curl_easy_init returned NULL (out of memory)") }
    return created
  }

  private func give(_ handle: UnsafeMutableRawPointer) {
    lock.lock()
    if idle.count < maxIdle {
      idle.append(handle)
      lock.unlock()
    } else {
      lock.unlock()
      curl_easy_cleanup(handle)
    }
  }
}
