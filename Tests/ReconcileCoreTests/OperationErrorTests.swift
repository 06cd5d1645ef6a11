import Foundation
import Testing
@testable import ReconcileCore

/// Error messages are rendered from typed parts; code decides on the parts.
@Suite struct OperationErrorTests {
  let web = ResourceID(kind: "container", name: "web")

  @Test func messagesAreRenderedFromTheParts() {
    let engine = OperationError(doing: "create", of: web, cause: .engine(status: 409, detail: "Docker Engine answered 409 on POST /containers/create: name in use"))
    #expect(engine.description == "could not create container/web: Docker Engine answered 409 on POST /containers/create: name in use")
    #expect(engine.isEngineFailure)

    let io = OperationError(doing: "write '/x/y'", cause: .io(path: "/x/y", errno: ENOENT, call: "rename"))
    #expect(io.description == "could not write '/x/y': rename: No such file or directory")
    #expect(!io.isEngineFailure)

    let command = OperationError(doing: "reload", cause: .command(argv: ["nginx", "-t"], status: 1, output: "bad\nworse", meaning: "the configuration does not validate"))
    #expect(command.description == "could not reload: the configuration does not validate: `nginx -t` exited with status 1:\n    bad\n    worse")

    #expect(OperationError("usage: reconcile alert test").description == "usage: reconcile alert test")
    #expect(OperationError(doing: "read the secret file '/s'").description == "could not read the secret file '/s'")
    #expect(OperationError(cause: .timeout(what: "nginx did not confirm the reload", seconds: 10)).description == "nginx did not confirm the reload within 10s")
  }

  @Test func aFailureIsPlacedWithinItsStepOnlyWhenItNamesNoOperationOfItsOwn() {
    let bare = OperationError("the step carries no unit spec", retryable: true)
    let placed = bare.within("create", of: web)
    #expect(placed.description == "could not create container/web: the step carries no unit spec")
    #expect(placed.isRetryable)
    let own = OperationError(doing: "disable sync.service", cause: .failed("busy"))
    #expect(own.within("create", of: web) == own)
  }

  @Test func nestedCausesKeepTheirTypeAndRetryability() {
    let inner = OperationError(doing: "archive", cause: .engine(status: nil, detail: "cannot reach the Docker Engine at unix:///x"), retryable: true)
    let outer = inner.cause(of: "back up", ResourceID(kind: "backup", name: "db"))
    #expect(outer.description == "could not back up backup/db: could not archive: cannot reach the Docker Engine at unix:///x")
    #expect(outer.isRetryable && outer.isEngineFailure)
    let after = OperationError(cause: .afterSuccess(of: ResourceID(kind: "certificate", name: "c"), OperationError(doing: "reload nginx", "refused")))
    #expect(after.description == "certificate/c is done, but could not reload nginx: refused")
  }
}
