import Testing
@testable import ReconcileCore

@Suite struct AlertClassifierTests {
  func step(_ kind: String, _ signals: [Signal]) -> Step {
    Step(id: ResourceID(kind: kind, name: "x"), action: .update, why: signals.map(Reason.found), changes: [], desired: nil, prior: nil)
  }

  @Test func observedProblems() {
    #expect(AlertClassifier.observed(step("container", [.container(.notRunning(.exited, exitCode: "137"))])) == .containerDied)
    #expect(AlertClassifier.observed(step("container", [.container(.notRunning(.restarting, exitCode: "1"))])) == .containerDied)
    #expect(AlertClassifier.observed(step("container", [.container(.notRunning(.paused, exitCode: nil))])) == nil)
    #expect(AlertClassifier.observed(step("container", [.container(.unhealthy)])) == .containerUnhealthy)
    #expect(AlertClassifier.observed(step("container", [.container(.imageMoved(from: "a", to: "b"))])) == nil)
    #expect(AlertClassifier.observed(step("job", [.run(.failing(times: 3, last: "exit 1"))])) == .jobFailing)
    #expect(AlertClassifier.observed(step("job", [.run(.late(.success, age: 10800, every: 300))])) == nil)
    #expect(AlertClassifier.observed(step("backup", [.run(.late(.goodBackup, age: 172800, every: 86400))])) == .backupOverdue)
    #expect(AlertClassifier.observed(step("backup", [.run(.never(.goodBackup, age: 172800, every: 86400))])) == .backupOverdue)
    // Failing outranks overdue, whatever order the signals come in.
    #expect(AlertClassifier.observed(step("backup", [.run(.late(.goodBackup, age: 172800, every: 86400)), .run(.failing(times: 3, last: nil))])) == .jobFailing)
  }

  @Test func failedRenewals() {
    #expect(AlertClassifier.failed(step("certificate", [.certificate(.expiring(left: 12 * 86400))])) == .certificateExpiring)
    #expect(AlertClassifier.failed(step("certificate", [.certificate(.expired(ago: 3600))])) == .certificateExpiring)
    #expect(AlertClassifier.failed(step("certificate", [.certificate(.placeholder)])) == nil)
    #expect(AlertClassifier.failed(step("site", [.site(.notRunning(.nginx, prefix: "/p"))])) == nil)
  }

  /// The reasons people read are rendered from the signals: the texts the alerts used to be matched on stay.
  @Test func reasonsAreRenderedFromSignals() {
    #expect(Signal.container(.notRunning(.exited, exitCode: "137")).reason == "container is exited (exit code 137)")
    #expect(Signal.container(.notRunning(.created, exitCode: "0")).reason == "container is created but was never started; it is made anew")
    #expect(Signal.container(.notStopped(.paused)).reason == "container is paused but the manifest says 'stopped'")
    #expect(Signal.run(.failing(times: 3, last: "exit 1")).reason == "failed 3 times in a row (last: exit 1)")
    #expect(Signal.run(.late(.success, age: 10800, every: 300)).reason == "last success 3h ago, expected every 5m")
    #expect(Signal.run(.never(.goodBackup, age: 172800, every: 86400)).reason == "no good backup since it was installed 2d ago, expected every 1d")
    #expect(Signal.certificate(.expiring(left: 12 * 86400)).reason == "renew: expires in 12 days")
    #expect(Signal.unit(.filesChanged(then: .none)).reason == "unit files changed; will daemon-reload only (onChange is 'none')")
  }
}
