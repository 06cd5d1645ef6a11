import Foundation
import ReconcileCore
import Testing

@testable import ReconcileRuntime

/// The state after an apply and the controller's drift policy, decided on plain values.
@Suite struct StateBuilderAndDriftPolicyTests {
  let now = Date(timeIntervalSince1970: 1_800_000_000)

  func recorded(_ m: Manifest) -> StateSnapshot {
    var s = StateSnapshot(lineage: "l", serial: 1)
    for r in m.resources { s.resources[r.id] = testForm.record(for: r, at: now) }
    return s
  }

  func step(_ m: Manifest, _ id: String, _ action: Action = .update, why: [Reason] = [.attribute(name: "content", change: .content)]) -> Step {
    let r = m[ResourceID(parsing: id)!]!
    return Step(id: r.id, action: action, why: why, changes: [], desired: r.spec, prior: nil, after: [], fingerprint: testForm.fingerprint(of: r.spec))
  }

  @Test func successesAreRecordedDestroysDroppedFailuresKeepTheirRecord() throws {
    let old = try manifest([file("a", "1"), file("b", "2"), file("gone", "x")].joined(separator: ", "))
    let new = try manifest([file("a", "1b"), file("b", "2b")].joined(separator: ", "))
    let state = recorded(old)
    let plan = Plan(steps: [step(new, "file/a"), step(new, "file/b")])
    let outcomes = [
      StepOutcome(id: ResourceID(parsing: "file/a")!, action: .update, status: .succeeded, seconds: 0),
      StepOutcome(id: ResourceID(parsing: "file/b")!, action: .update, status: .failed("refused"), seconds: 0),
      StepOutcome(id: ResourceID(parsing: "file/gone")!, action: .destroy, status: .succeeded, seconds: 0),
    ]
    let next = StateBuilder(form: testForm, manifest: new).build(from: state, plan: plan, outcomes: outcomes, now: now)
    #expect(next.resources[ResourceID(parsing: "file/a")!]?.fingerprint == testForm.fingerprint(of: new[ResourceID(parsing: "file/a")!]!.spec))
    #expect(next.resources[ResourceID(parsing: "file/b")!] == state.resources[ResourceID(parsing: "file/b")!])
    #expect(next.resources[ResourceID(parsing: "file/gone")!] == nil)
  }

  @Test func anUnchangedResourceIsRerecordedOnlyWhenItsRecordWouldDiffer() throws {
    let old = try manifest([file("a", "1"), file("b", "2")].joined(separator: ", "))
    let state = recorded(old)
    let same = StateBuilder(form: testForm, manifest: old).build(
      from: state, plan: Plan(steps: [], unchanged: old.resources.map(\.id)), outcomes: [], now: now.addingTimeInterval(60))
    #expect(same.resources == state.resources, "an identical record keeps its time: no save for a no-op run")
    let linked = try manifest([file("a", "1"), file("b", "2", dependsOn: ["file/a"])].joined(separator: ", "))
    let next = StateBuilder(form: testForm, manifest: linked).build(
      from: state, plan: Plan(steps: [], unchanged: linked.resources.map(\.id)), outcomes: [], now: now)
    #expect(next.resources[ResourceID(parsing: "file/b")!]?.dependsOn == [ResourceID(parsing: "file/a")!], "a new edge is recorded")
    let forgotten = StateBuilder(form: testForm, manifest: old).build(
      from: state, plan: Plan(steps: [], forgotten: [ResourceID(parsing: "file/b")!]), outcomes: [], now: now)
    #expect(forgotten.resources[ResourceID(parsing: "file/b")!] == nil)
  }

  @Test func driftOfAReportOnlyResourceIsHeldAndDegradedOnesAreLeftAlone() throws {
    let m = try manifest(
      [file("held", "1"), file("healed", "2", extra: #", "selfHeal": true"#), file("edited", "3"), file("broken", "4")].joined(separator: ", "))
    var state = recorded(m)
    // `edited` was applied with other content: its step follows the manifest, not drift.
    state.resources[ResourceID(parsing: "file/edited")!]?.fingerprint = "an older fingerprint"
    let plan = Plan(steps: ["file/held", "file/healed", "file/edited", "file/broken"].map { step(m, $0) })
    let split = DriftPolicy(manifest: m, form: testForm).split(plan, state: state, degraded: [ResourceID(parsing: "file/broken")!])
    #expect(split.apply.steps.map(\.id.description) == ["file/healed", "file/edited"])
    #expect(split.held.map(\.id.description) == ["file/held"])
    #expect(split.driftIDs.map(\.description) == ["file/held", "file/healed"])
  }

  /// A step that only reports runs (a failing job) corrects nothing: it is not drift, so it is neither held nor
  /// announced as healed.
  @Test func aStepThatOnlyReportsRunsIsNotDrift() throws {
    let m = try manifest(file("a", "1"))
    let report = step(m, "file/a", why: [.found(.run(.failing(times: 3, last: "exit status 3")))])
    let policy = DriftPolicy(manifest: m, form: testForm)
    #expect(!policy.isDrift(report, state: recorded(m)))
    #expect(policy.isDrift(step(m, "file/a"), state: recorded(m)))
    let split = policy.split(Plan(steps: [report]), state: recorded(m), degraded: [])
    #expect(split.held.isEmpty && split.driftIDs.isEmpty && split.apply.steps.count == 1)
  }
}
