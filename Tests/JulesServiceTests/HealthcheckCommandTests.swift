import Testing
@testable import JulesService

@Suite struct HealthcheckCommandTests {
  @Test func exitStatusFollowsHealthz() throws {
    let h = try ServiceHarness([:])
    let port = String(h.service.port)
    #expect(JulesCommand.healthcheck(port: port) == 0)
    h.stop()
    #expect(JulesCommand.healthcheck(port: port) == 1)
  }
}
