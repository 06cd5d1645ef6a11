import Foundation
import Testing
@testable import JulesService

@Suite struct ConfigTests {
  let base = ["LOCAL_TOKEN": "t", "JULES_API_KEY": "k"]

  @Test func defaults() throws {
    let c = try JulesConfig.load(environment: base)
    #expect(c.port == 3001)
    #expect(c.julesAPIBase == "https://jules.googleapis.com/v1alpha")
    #expect(c.allowlist.isEmpty)
    #expect(c.persist == false)
    #expect(c.syncFailureThreshold == 3)
  }

  /// Each case changes `base` (nil removes a variable) and names the error it must be rejected with.
  @Test(
    arguments: [
      (["LOCAL_TOKEN": nil], "configuration: LOCAL_TOKEN is required but not set"),
      (["JULES_API_KEY": nil], "configuration: JULES_API_KEY is required but not set"),
      (["ALLOWLIST": "10.0.0.0/8, 10.0.0.0/33"], "configuration: ALLOWLIST has '10.0.0.0/33', expected an IPv4 or IPv6 CIDR such as 10.0.0.0/8"),
      (["TRUSTED_PROXIES": "proxy.local"], "configuration: TRUSTED_PROXIES has 'proxy.local', expected an IPv4 or IPv6 CIDR such as 10.0.0.0/8"),
      (["PORT": "70000"], "configuration: PORT has '70000', expected a whole number in 0...65535"),
      (["RATE_LIMIT": "fast"], "configuration: RATE_LIMIT has 'fast', expected N, N/s or N/m (0 disables)"),
      (["JULES_API_TIMEOUT": "0"], "configuration: JULES_API_TIMEOUT has '0', expected a whole number in 1...300"),
      (["NOTES_DIR": "/tmp/notes"], "configuration: NOTES_DIR and LITEWRITER_URL must be set together"),
      (["ALERT_WEBHOOK": "ftp://x"], "configuration: ALERT_WEBHOOK is not an http(s) URL"),
    ] as [([String: String?], String)])
  func rejectsWithVariableName(change: [String: String?], message: String) {
    var env = base
    for (key, value) in change { env[key] = value }
    #expect(throws: JulesError(message)) { try JulesConfig.load(environment: env) }
  }

  /// The guide's configuration: NOTIFY_WEBHOOK alone (deliveries unsigned), CORS_ORIGIN as a list.
  /// `TRUSTED_PROXIES=gateway`: the default route's gateway, as the host reaches a container from it.
  @Test func theGatewayIsReadFromTheRoutingTable() throws {
    let routes = """
      Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
      eth0\t0000FEAC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
      eth0\t00000000\t0100FEAC\t0003\t0\t0\t0\t00000000\t0\t0\t0
      """
    #expect(JulesConfig.defaultGateway(routes: routes)?.description == "172.254.0.1")
    #expect(JulesConfig.defaultGateway(routes: "Iface\tDestination\tGateway\n") == nil)
    // Inside a container on a bridge network (the bundled stack): tested by BundledStackTests.
  }

  @Test func theGuidesFormsLoad() throws {
    var env = base
    env["NOTIFY_WEBHOOK"] = "http://127.0.0.1:1/x"
    env["CORS_ORIGIN"] = "https://a.example, https://b.example"
    let c = try JulesConfig.load(environment: env)
    #expect(c.notifyWebhook == "http://127.0.0.1:1/x" && c.notifySecret == nil)
    #expect(c.corsOrigins == ["https://a.example", "https://b.example"])
  }

  @Test func rateLimitForms() {
    #expect(JulesConfig.parseRateLimit("10/s") == .init(requests: 10, perSeconds: 1))
    #expect(JulesConfig.parseRateLimit("120") == .init(requests: 120, perSeconds: 60))
    #expect(JulesConfig.parseRateLimit("0") == .init(requests: 0, perSeconds: 60))
    #expect(JulesConfig.parseRateLimit("5/d") == nil)
  }

  /// jules reads its .env with reconcile's grammar: a broken line is an error naming the line (it was skipped before).
  @Test func dotEnvParsing() throws {
    let dir = makeTempDir("dotenv-grammar")
    let path = dir + "/.env"
    try "# comment\r\nexport LOCAL_TOKEN=\"abc def\"\r\nPORT=4000 # the port\r\nALLOWLIST='10.0.0.0/8,fd00::/8'\r\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try DotEnvFile.load(path) == ["LOCAL_TOKEN": "abc def", "PORT": "4000", "ALLOWLIST": "10.0.0.0/8,fd00::/8"])
    try "PORT=4000\nBROKEN LINE\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: JulesError.self) { try DotEnvFile.load(path) }
    do {
      _ = try DotEnvFile.load(path)
    } catch {
      #expect("\(error)".contains("line 2: expected KEY=value"), "\(error)")
    }
  }
}

@Suite struct EnvironmentFileTests {
  @Test func processEnvironmentOverridesDotEnv() throws {
    let dir = makeTempDir("dotenv")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "LOCAL_TOKEN=from-file\nJULES_API_KEY=file-key\nPORT=4100\n".write(toFile: dir + "/.env", atomically: true, encoding: .utf8)
    let env = try JulesCommand.environment(["ENV_FILE": dir + "/.env", "PORT": "4200"])
    let c = try JulesConfig.load(environment: env)
    #expect(c.localToken == "from-file" && c.julesAPIKey == "file-key" && c.port == 4200)
    // A missing file is no error: the environment alone counts.
    #expect(try JulesCommand.environment(["ENV_FILE": dir + "/absent.env", "A": "b"]) == ["ENV_FILE": dir + "/absent.env", "A": "b"])
  }
}
