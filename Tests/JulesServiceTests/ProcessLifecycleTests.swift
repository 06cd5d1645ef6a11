import Foundation
import Testing
@testable import JulesService
import TestSupport
import Essentials

/// The `jules` executable itself (built by `swift test` next to the test bundle): start-up
/// errors, and SIGTERM letting an in-flight request finish before exiting 0.
@Suite struct ProcessLifecycleTests {
  static var binary: String {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("jules").path
  }

  func launch(_ env: [String: String]) throws -> (Process, Pipe) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Self.binary)
    p.environment = env.merging(["ENV_FILE": "/nonexistent/.env"]) { a, _ in a }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    return (p, out)
  }

  @Test func badConfigurationStopsStartUpNamingTheVariable() throws {
    #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "jules not built at \(Self.binary)")
    let (p, out) = try launch(["LOCAL_TOKEN": "t", "JULES_API_KEY": "k", "TRUSTED_PROXIES": "10.0.0.0/99"])
    p.waitUntilExit()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(p.terminationStatus == 1)
    #expect(text.contains("configuration: TRUSTED_PROXIES has '10.0.0.0/99'"))
  }

  @Test func sigtermFinishesInFlightRequestThenExits() throws {
    let slowAPI = try SlowJulesAPI()
    defer { slowAPI.shutdown() }
    let dir = makeTempDir("sigterm")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let port = UInt16(freePort())
    let (p, out) = try launch([
      "PORT": String(port), "HOST": "127.0.0.1", "LOCAL_TOKEN": "proc-token-55",
      "JULES_API_KEY": "proc-key-66", "PERSIST": "1", "DATA_DIR": dir,
      "JULES_API_BASE": slowAPI.base,
    ])
    let base = "http://127.0.0.1:\(port)"
    #expect(eventually(within: 10) { (try? HTTPClient(timeoutSeconds: 1).send("GET", base + "/healthz"))?.status == 200 })
    let answer = Locked<Int?>(nil)
    Thread {
      let r = try? HTTPClient(timeoutSeconds: 10).send(
        "POST", base + "/api/sessions",
        headers: [("Authorization", "Bearer proc-token-55")], body: Array("{}".utf8))
      answer.withLock { $0 = r?.status ?? -1 }
    }.start()
    #expect(eventually(within: 10) { slowAPI.arrived.current })
    p.terminate()  // SIGTERM
    #expect(eventually(within: 10) { (try? HTTPClient(timeoutSeconds: 1).send("GET", base + "/healthz")) == nil })
    #expect(p.isRunning && answer.current == nil)
    slowAPI.release()
    #expect(eventually(within: 10) { answer.current == 200 })
    p.waitUntilExit()
    #expect(p.terminationReason == .exit && p.terminationStatus == 0)
    let log = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(log.contains("\"signal\":\"SIGTERM\"") && log.contains("\"msg\":\"jules stopped\""))
    #expect(!log.contains("proc-token-55") && !log.contains("proc-key-66"))
    #expect(FileManager.default.fileExists(atPath: dir + "/sessions.sqlite"))
  }
}
