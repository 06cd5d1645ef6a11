import Foundation

/// How releases are kept, run and checked (`policy.keepGenerations`, `policy.rollbackOnFailure`, `policy.stopOnFailure`,
/// `policy.parallelism`, `verify`).
public struct ReleasePolicy: Sendable, Equatable {
  /// How many generations (and the images they ran) stay on the host for rollback.
  public var keepGenerations = 5
  /// When an apply that changed something fails, or a verification fails after it, go back to the latest generation.
  public var rollbackOnFailure = false
  /// After the first failed step no other starts (the rest are skipped): an update of several containers stops at the
  /// first one that fails instead of taking the others down the same way.
  public var stopOnFailure = false
  /// Steps run at once unless `--parallelism` says otherwise (1: one container after the other).
  public var parallelism: Int?
  /// Checks run after an apply that changed something; a failure makes the apply fail.
  public var verify: [VerifyCheck] = []

  public init() {}
}

/// `{ "http": URL, "expect": 200, "within": "30s", "ca": PEM }`: a GET of the URL must answer `expect` within `within`
/// (tried every second).
public struct VerifyCheck: Sendable, Equatable {
  public var url: String
  public var expect: Int
  public var within: Double
  /// A PEM file of CA certificates to trust for an https URL (a self-signed certificate of this host).
  public var ca: String?

  static func decode(_ r: inout FieldReader) -> VerifyCheck? {
    let url = r.string("http", required: true)
    if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) || url.contains(" ") {
      r.report("http", "expected an http:// or https:// URL, got '\(url)'")
    }
    let expect = r.int("expect", in: 100...599) ?? 200
    let within = r.duration("within") ?? 30
    let ca = r.string("ca").map { r.resolvePath($0) }
    r.finish()
    guard let url else { return nil }
    return VerifyCheck(url: url, expect: expect, within: within, ca: ca)
  }
}
