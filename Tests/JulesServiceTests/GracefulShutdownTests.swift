import Foundation
import Testing
@testable import JulesService
import TestSupport
import Essentials

@Suite struct GracefulShutdownTests {
  /// A request in flight when shutdown starts still gets its answer; new connections are refused.
  @Test func inFlightRequestFinishes() throws {
    let slowAPI = try SlowJulesAPI()
    defer { slowAPI.shutdown() }
    let dir = makeTempDir("graceful")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let h = try ServiceHarness(["JULES_API_BASE": slowAPI.base, "PERSIST": "1", "DATA_DIR": dir])
    let port = h.service.port

    let answer = Locked<Int?>(nil)
    Thread {
      let r = try? h.request("POST", "/api/sessions", body: Array(#"{"prompt":"p"}"#.utf8))
      answer.withLock { $0 = r?.status ?? -1 }
    }.start()
    #expect(eventually(within: 10) { slowAPI.arrived.current })
    let stopped = Locked(false)
    Thread {
      h.stop(); stopped.withLock { $0 = true }
    }.start()

    // New connections are refused while the old request is still running.
    #expect(eventually(within: 10) { (try? HTTPClient(timeoutSeconds: 1).send("GET", "http://127.0.0.1:\(port)/healthz")) == nil })
    #expect(answer.current == nil && !stopped.current)
    slowAPI.release()
    #expect(eventually(within: 10) { answer.current == 200 })
    #expect(eventually(within: 10) { stopped.current })
    #expect(h.log.text.contains("\"msg\":\"jules stopped\""))
    // The database was closed cleanly: the WAL was checkpointed away.
    let wal = (try? FileManager.default.attributesOfItem(atPath: dir + "/sessions.sqlite-wal")[.size] as? Int) ?? 0
    #expect(wal == 0)
  }
}
