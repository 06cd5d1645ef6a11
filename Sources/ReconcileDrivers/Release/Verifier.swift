import Foundation
import HTTPKit
import ReconcileCore

/// Runs the manifests' post-apply checks (`verify`): each URL is asked every second until it answers the expected
/// status or its time is up. The checks run side by side.
public struct Verifier: Sendable {
  public init() {}

  /// One line per failed check, naming the URL (its origin and path; never a query or user-info), what was expected and
  /// the last answer.
  public func run(_ checks: [VerifyCheck]) async -> [String] {
    await withTaskGroup(of: String?.self) { group in
      for check in checks { group.addTask { await Self.check(check) } }
      var failures: [String] = []
      for await f in group { if let f { failures.append(f) } }
      return failures.sorted()
    }
  }

  static func check(_ check: VerifyCheck) async -> String? {
    let deadline = Date().addingTimeInterval(check.within)
    let shown = Self.shown(check.url)
    var last = "no answer"
    while true {
      let client = HTTPClient(timeoutSeconds: max(1, min(5, deadline.timeIntervalSinceNow)), caBundlePath: check.ca)
      let answer = await Task.detached { Result { try client.send("GET", check.url) } }.value
      switch answer {
      case .success(let r) where r.status == check.expect: return nil
      case .success(let r): last = "it answered \(r.status)"
      case .failure(let e): last = "\(e)"
      }
      if Date() >= deadline { break }
      try? await Task.sleep(nanoseconds: 1_000_000_000)
      if Date() >= deadline { break }
    }
    return "verify \(shown): expected \(check.expect) within \(Int(check.within))s; \(last)"
  }

  /// `https://host:port/path` without user-info or query (they may carry secrets).
  public static func shown(_ url: String) -> String {
    guard var c = URLComponents(string: url) else { return HTTPClient.origin(url) }
    c.user = nil
    c.password = nil
    c.query = nil
    c.fragment = nil
    return c.string ?? HTTPClient.origin(url)
  }
}
