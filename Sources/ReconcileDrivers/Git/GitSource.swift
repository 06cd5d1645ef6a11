import Essentials
import Foundation
import ReconcileCore

/// A git repository the controller follows: a private clone in the state directory, fetched on demand,
/// checked out detached at the revision in force. Uses the `git` command line.
public struct GitSource: Sendable {
  public let url: String
  public let branch: String
  /// The manifests' path inside the repository.
  public let path: String
  /// The clone (its work tree holds the revision in force).
  public let clone: String

  public init(url: String, branch: String, path: String, stateDirectory: String) {
    self.url = url
    self.branch = branch
    self.path = path
    self.clone = stateDirectory + "/git/checkout"
  }

  /// The manifests directory (or file) inside the clone.
  public var manifestsPath: String { path.isEmpty || path == "." ? clone : "\(clone)/\(path)" }

  func git(_ args: [String]) throws -> String {
    let r = try ProcessRunner.run(["git", "-C", clone] + args)
    guard r.status == 0 else { throw r.failure(doing: "run git in '\(clone)'") }
    return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Clones when needed, fetches the branch, returns the commit it points at. Calls `git clone`/`git fetch`.
  public func fetch() throws -> String {
    if !FileManager.default.fileExists(atPath: clone + "/.git") {
      try FileManager.default.createDirectory(atPath: PathText.parent(clone), withIntermediateDirectories: true)
      let r = try ProcessRunner.run(["git", "clone", "--quiet", "--no-checkout", "--branch", branch, url, clone])
      guard r.status == 0 else { throw r.failure(doing: "clone '\(url)' (branch '\(branch)')") }
    }
    _ = try git(["fetch", "--quiet", "--force", "origin", "+refs/heads/\(branch):refs/remotes/origin/\(branch)", "+refs/notes/*:refs/notes/*"])
    return try git(["rev-parse", "refs/remotes/origin/\(branch)"])
  }

  /// The commit the branch points at on the remote, without fetching objects (`git ls-remote`).
  public func remoteHead() throws -> String? {
    let r = try ProcessRunner.run(["git", "ls-remote", url, "refs/heads/\(branch)"])
    guard r.status == 0 else { throw r.failure(doing: "read '\(url)'") }
    return r.output.split(separator: "\t").first.map(String.init)
  }

  /// True when `new` descends from `old` (a fast-forward).
  public func isFastForward(from old: String, to new: String) throws -> Bool {
    let r = try ProcessRunner.run(["git", "-C", clone, "merge-base", "--is-ancestor", old, new])
    return r.status == 0
  }

  /// Checks the commit's signature with `git verify-commit`; the error carries git's own output.
  public func verifySignature(_ sha: String) throws {
    let r = try ProcessRunner.run(["git", "-C", clone, "verify-commit", sha])
    guard r.status == 0 else { throw r.failure(meaning: "commit \(sha.prefix(12)) has no valid signature") }
  }

  /// Puts the work tree at `sha`, detached.
  public func checkout(_ sha: String) throws {
    _ = try git(["checkout", "--quiet", "--force", "--detach", sha])
  }

  /// The revision the work tree is at, if any.
  public func current() -> String? { try? git(["rev-parse", "HEAD"]) }

  /// The commit's one-line subject.
  public func subject(_ sha: String) -> String { (try? git(["log", "-1", "--format=%s", sha])) ?? "" }

  /// Writes the outcome as a git note (`refs/notes/reconcile`) on the commit and pushes it to the remote.
  public func note(_ sha: String, _ text: String) throws {
    _ = try git(["-c", "user.name=reconcile", "-c", "user.email=reconcile@localhost", "notes", "--ref=reconcile", "add", "--force", "-m", text, sha])
    _ = try git(["push", "--quiet", "--force", "origin", "refs/notes/reconcile:refs/notes/reconcile"])
  }
}
