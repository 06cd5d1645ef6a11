import Foundation
import ReconcileCore
import ReconcileDrivers

/// Decides which git revision is in force: each new commit is checked (fast-forward, signature, valid
/// manifests) once; a refused or invalid commit leaves the last good revision in force.
final class GitFollower: @unchecked Sendable {
  let source: GitSource
  let requireSigned: Bool
  let allowRewrite: Bool
  private(set) var inForce: String?
  /// The branch head at the last fetch: a head that stays where it was is nothing new, whatever was decided on it.
  private var lastHead: String?

  init(source: GitSource, requireSigned: Bool, allowRewrite: Bool) {
    self.source = source
    self.requireSigned = requireSigned
    self.allowRewrite = allowRewrite
  }

  enum Candidate {
    /// Nothing new: keep reconciling the revision in force.
    case unchanged
    /// A new commit checked out for validation.
    case new(String)
    /// A new commit refused before validation (history rewrite, bad signature).
    case refused(String, String)
  }

  /// Fetches and checks out a new commit when there is one.
  func next() throws -> Candidate {
    let head = try source.fetch()
    if inForce == nil, lastHead == nil, let cur = source.current() { inForce = cur == head ? nil : cur }
    // Every move of the branch is decided, to a new commit or back to one seen before (a force-push to an older,
    // already applied commit is a rewrite like any other).
    defer { lastHead = head }
    guard head != inForce, head != lastHead else { return .unchanged }
    if let old = inForce, !allowRewrite, try !source.isFastForward(from: old, to: head) {
      return .refused(head, "is not a fast-forward of \(old.prefix(12)) (history was rewritten); refused without --allow-rewrite")
    }
    if requireSigned {
      do { try source.verifySignature(head) } catch { return .refused(head, "\(error)") }
    }
    try source.checkout(head)
    return .new(head)
  }

  /// The candidate is valid and applied: it is now in force.
  func accept(_ sha: String) { inForce = sha }

  /// The candidate is invalid: back to the revision in force.
  func reject() throws {
    if let inForce { try source.checkout(inForce) }
  }

  func note(_ sha: String, _ text: String) -> String? {
    do {
      try source.note(sha, text)
      return nil
    } catch {
      return "could not write the git note on \(sha.prefix(12)): \(error)"
    }
  }
}
