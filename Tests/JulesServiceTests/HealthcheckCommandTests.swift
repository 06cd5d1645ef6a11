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

  /// Liveness is not readiness: with the Jules API unreachable, `/healthz` holds and `--ready` fails.
  @Test func readyFollowsReadyzAndLivenessDoesNot() throws {
    let h = try ServiceHarness(["JULES_API_BASE": "http://127.0.0.1:9/v1alpha"])
    defer { h.stop() }
    let port = String(h.service.port)
    #expect(JulesCommand.healthcheck(port: port) == 0)
    #expect(JulesCommand.healthcheck(port: port, ready: true) == 1)
  }

  /// A service bound to one address is asked there; a wildcard means loopback.
  @Test func aSpecificHostIsAskedWhereItListens() throws {
    let h = try ServiceHarness(["HOST": "127.0.0.5"])
    defer { h.stop() }
    let port = String(h.service.port)
    #expect(JulesCommand.healthcheck(host: "127.0.0.5", port: port) == 0)
    #expect(JulesCommand.healthcheck(host: nil, port: port) == 1, "nothing listens on 127.0.0.1")
    let any = try ServiceHarness(["HOST": "0.0.0.0"])
    defer { any.stop() }
    #expect(JulesCommand.healthcheck(host: "0.0.0.0", port: String(any.service.port)) == 0)
  }

  @Test func helpIsPrintedNotServed() {
    #expect(JulesCommand.main(["jules", "--help"]) == 0)
    #expect(JulesCommand.main(["jules", "stand-in-api", "--help"]) == 0)
    #expect(JulesCommand.main(["jules", "healthcheck", "-h"]) == 0)
    #expect(JulesCommand.main(["jules", "serv"]) == 2)
    #expect(JulesCommand.usage.contains("healthcheck [--ready]") && JulesCommand.usage.contains("--listen ADDR:PORT"))
  }
}
