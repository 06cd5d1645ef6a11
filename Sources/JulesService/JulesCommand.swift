import Foundation

/// Entry points of the `jules` executable: serve, `healthcheck`, and `stand-in-api` (benchmark only).
public enum JulesCommand {
  public static func main(_ args: [String]) -> Int32 {
    switch args.dropFirst().first {
    case nil, "serve": return serve()
    case "healthcheck": return healthcheck()
    case "stand-in-api": return standIn(Array(args.dropFirst(2)))
    case "version", "--version": print(JulesRouter.version); return 0
    default:
      FileHandle.standardError.write(Data("usage: jules [serve|healthcheck|stand-in-api --port N --sessions N|version]\n".utf8))
      return 2
    }
  }

  /// Loads `.env` (if present) under the environment, blocks SIGTERM/SIGINT, serves until one arrives.
  static func serve() -> Int32 {
    let logger = JSONLogger()
    let config: JulesConfig
    do {
      config = try JulesConfig.load(environment: try environment(ProcessInfo.processInfo.environment))
    } catch {
      logger.error("could not start jules", ["error": "\(error)"])
      return 1
    }
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGTERM)
    sigaddset(&signals, SIGINT)
    pthread_sigmask(SIG_BLOCK, &signals, nil)
    signal(SIGPIPE, SIG_IGN)
    let service: JulesService
    do {
      service = try JulesService(config: config, logger: logger)
      try service.start()
    } catch {
      logger.error("could not start jules", ["error": "\(error)"])
      return 1
    }
    var received: Int32 = 0
    sigwait(&signals, &received)
    logger.info("signal received", ["signal": received == SIGTERM ? "SIGTERM" : "SIGINT"])
    service.shutdown()
    return 0
  }

  /// The process environment over the `.env` file (`ENV_FILE`, default `./.env`, optional).
  public static func environment(_ process: [String: String]) throws -> [String: String] {
    var env = try DotEnvFile.load(process["ENV_FILE"] ?? ".env")
    env.merge(process) { _, fromProcess in fromProcess }
    return env
  }

  /// `GET http://127.0.0.1:$PORT/healthz`; exit 0 on 200, 1 otherwise. The container healthcheck.
  static func healthcheck() -> Int32 {
    healthcheck(port: ProcessInfo.processInfo.environment["PORT"] ?? "3001")
  }

  /// Exit status for `jules healthcheck` against `127.0.0.1:port`.
  public static func healthcheck(port: String) -> Int32 {
    do {
      let r = try HTTPClient(timeoutSeconds: 2).send("GET", "http://127.0.0.1:\(port)/healthz")
      return r.status == 200 ? 0 : 1
    } catch {
      FileHandle.standardError.write(Data("healthcheck: \(error)\n".utf8))
      return 1
    }
  }

  /// Runs the stand-in Jules API (not the real one) for benchmarks: `--port N --sessions N`, key from `JULES_API_KEY`.
  static func standIn(_ args: [String]) -> Int32 {
    func opt(_ name: String) -> String? { args.firstIndex(of: name).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil } }
    let api = StandInJulesAPI(
      apiKey: ProcessInfo.processInfo.environment["JULES_API_KEY"] ?? "stand-in-key",
      port: UInt16(opt("--port") ?? "0") ?? 0)
    for i in 0..<(Int(opt("--sessions") ?? "20") ?? 20) { api.upsert(id: "s\(i)", title: "session \(i)") }
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGTERM)
    sigaddset(&signals, SIGINT)
    pthread_sigmask(SIG_BLOCK, &signals, nil)
    do { try api.start() } catch { print("\(error)"); return 1 }
    print("stand-in Jules API listening on \(api.baseURL)")
    fflush(nil)
    var received: Int32 = 0
    sigwait(&signals, &received)
    api.stop()
    return 0
  }
}
