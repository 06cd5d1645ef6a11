import Testing
@testable import ReconcileCore

@Suite struct AlertClassifierTests {
  func step(_ kind: String, _ reasons: [String]) -> Step {
    Step(id: ResourceID(kind: kind, name: "x"), action: .update, reasons: reasons, changes: [], desired: nil, prior: nil)
  }

  @Test func observedProblems() {
    #expect(AlertClassifier.observed(step("container", ["container is exited (exit code 137)"])) == .containerDied)
    #expect(AlertClassifier.observed(step("container", ["container is restarting (exit code 1)"])) == .containerDied)
    #expect(AlertClassifier.observed(step("container", ["container is unhealthy"])) == .containerUnhealthy)
    #expect(AlertClassifier.observed(step("container", ["image changed: 'a' -> 'b'"])) == nil)
    #expect(AlertClassifier.observed(step("file", ["container is exited"])) == nil)
    #expect(AlertClassifier.observed(step("job", ["failed 3 times in a row (last: exit 1)"])) == .jobFailing)
    #expect(AlertClassifier.observed(step("job", ["last success 3h ago, expected every 5m"])) == nil)
    #expect(AlertClassifier.observed(step("backup", ["last good backup 2d ago, expected every 1d"])) == .backupOverdue)
    #expect(AlertClassifier.observed(step("backup", ["no good backup since it was installed 2d ago, expected every 1d"])) == .backupOverdue)
  }

  @Test func failedRenewals() {
    #expect(AlertClassifier.failed(step("certificate", ["renew: expires in 12 days"])) == .certificateExpiring)
    #expect(AlertClassifier.failed(step("certificate", ["issue: only a placeholder certificate is in place"])) == nil)
    #expect(AlertClassifier.failed(step("site", ["renew: x"])) == nil)
  }
}
