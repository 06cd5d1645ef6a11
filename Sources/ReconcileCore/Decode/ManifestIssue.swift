/// One thing wrong with the manifests, located by file and JSON path.
public struct ManifestIssue: Sendable, Hashable, CustomStringConvertible, Comparable {
  public var file: String
  /// `resources[3] 'container/web'`, or empty for file-level issues.
  public var subject: String
  /// The JSON path inside the subject: `ports[0]`.
  public var path: String
  public var message: String

  public init(file: String, subject: String = "", path: String = "", message: String) {
    self.file = file
    self.subject = subject
    self.path = path
    self.message = message
  }

  public var description: String {
    [file, subject, path, message].filter { !$0.isEmpty }.joined(separator: ": ")
  }

  public static func < (a: ManifestIssue, b: ManifestIssue) -> Bool { a.description < b.description }
}

/// Every issue found at once; an invalid manifest changes nothing.
public struct ManifestErrors: Error, Sendable, CustomStringConvertible {
  public var issues: [ManifestIssue]

  public init(_ issues: [ManifestIssue]) { self.issues = issues }

  public var description: String {
    let head = issues.count == 1 ? "the manifests have 1 error:" : "the manifests have \(issues.count) errors:"
    return ([head] + issues.map { "  \($0)" }).joined(separator: "\n")
  }
}

/// Collects issues while decoding; shared by nested readers of one decode run.
public final class IssueList {
  public private(set) var items: [ManifestIssue] = []
  public init() {}
  public func add(_ issue: ManifestIssue) { items.append(issue) }
}
