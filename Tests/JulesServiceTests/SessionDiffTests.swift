import Testing
@testable import JulesService

@Suite struct SessionDiffTests {
  @Test func createdUpdatedDeletedUnchanged() {
    let a = JulesSession(id: "a", title: "A", updateTime: "t1")
    let b = JulesSession(id: "b", title: "B", updateTime: "t1")
    let c = JulesSession(id: "c", title: "C", updateTime: "t1")
    var b2 = b
    b2.updateTime = "t2"
    b2.state = "COMPLETED"
    let d = JulesSession(id: "d", title: "D", updateTime: "t1")
    let deltas = SessionDiff.deltas(from: ["a": a, "b": b, "c": c], to: [a, b2, d], timestamp: "now")
    #expect(deltas.map { "\($0.changeType.rawValue) \($0.sessionID)" } == ["updated b", "created d", "deleted c"])
    #expect(deltas[0].before == b && deltas[0].after == b2)
    #expect(deltas[1].before == nil && deltas[1].after == d)
    #expect(deltas[2].before == c && deltas[2].after == nil)
    #expect(deltas.allSatisfy { $0.timestamp == "now" })
  }

  @Test func sameUpdateTimeIsNoChange() {
    let a = JulesSession(id: "a", title: "A", updateTime: "t1")
    #expect(SessionDiff.deltas(from: ["a": a], to: [a], timestamp: "now").isEmpty)
  }
}
