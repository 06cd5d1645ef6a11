import Foundation

/// Entry points of the `jules` executable: serve, `healthcheck`, and `stand-in-api` (benchmark only).
public enum JulesCommand {
  static let usage = """
    usage: jules [COMMAND]

      serve                 serve the control-room API (the default); configured by the environment and ./.env
      healthcheck [--ready] exit 0 when this host's jules answers /healthz (or, with --ready, /readyz: the Jules API
                            and the database answer too); asks HOST when it is a specific address, else 127.0.0.1,
                            on PORT (3001)
      stand-in-api [--listen ADDR:PORT | --port N] [--sessions N]
                            a stand-in for the Jules API (not the real one), for benchmarks and tests; containers
                            reach it with --listen 0.0.0.0:PORT
      version               print the version
      help                  print this help

    """

  public static func main(_ args: [String]) -> Int32 {
    let rest = Array(args.dropFirst(2))
    if rest.contains("--help") || rest.contains("-h") {
      print(usage, terminator: "")
      return 0
    }
    switch args.dropFirst().first {
    case nil, "serve": return serve()
    case "healthcheck": return healthcheck(ready: rest.contains("--ready"))
    case "stand-in-api": return standIn(rest)
    case "version", "--version": print(JulesRouter.version); return 0
    case "help", "--help", "-h": print(usage, terminator: ""); return 0
    case let other?:
      FileHandle.standardError.write(Data("jules: unknown command '\(other)'\n\(usage)".utf8))
      return 2
    }
  }

  /// Loads `.env` (if present) under the environment, blocks SIGTERM/SIGINT, serves until one arrives.
  static func serve() -> Int32 {
    let config: JulesConfig
    do {
      config = try JulesConfig.load(environment: try environment(ProcessInfo.processInfo.environment))
    } catch {
      JSONLogger().error("could not start jules", ["error": "\(error)"])
      return 1
    }
    let logger = JSONLogger(minimum: config.logLevel, secrets: config.secretValues)
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

  /// `GET http://HOST:$PORT/healthz` (or `/readyz`); exit 0 on 200, 1 otherwise. The container healthcheck is
  /// liveness: a Jules API outage must not make Docker restart the service.
  static func healthcheck(ready: Bool) -> Int32 {
    let env = ProcessInfo.processInfo.environment
    return healthcheck(host: env["HOST"], port: env["PORT"] ?? "3001", ready: ready)
  }

  /// Exit status for `jules healthcheck` against `host` (a wildcard or none: loopback) and `port`.
  public static func healthcheck(host: String? = nil, port: String, ready: Bool = false) -> Int32 {
    let address: String
    switch host.flatMap(IPAddress.init) {
    case nil: address = "127.0.0.1"
    case let ip? where ip.description == "0.0.0.0": address = "127.0.0.1"
    case let ip? where ip.description == "::": address = "[::1]"
    case let ip?: address = ip.isIPv4 ? ip.description : "[\(ip.description)]"
    }
    do {
      let r = try HTTPClient(timeoutSeconds: 2).send("GET", "http://\(address):\(port)/\(ready ? "readyz" : "healthz")")
      if r.status != 200 { FileHandle.standardError.write(Data("healthcheck: \(r.status) \(r.text)\n".utf8)) }
      return r.status == 200 ? 0 : 1
    } catch {
      FileHandle.standardError.write(Data("healthcheck: \(error)\n".utf8))
      return 1
    }
  }

  /// Runs the stand-in Jules API (not the real one) for benchmarks: `--listen ADDR:PORT` or `--port N`, `--sessions
  /// N`, key from `JULES_API_KEY`.
  static func standIn(_ args: [String]) -> Int32 {
    func opt(_ name: String) -> String? { args.firstIndex(of: name).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil } }
    var host = "127.0.0.1", port = UInt16(opt("--port") ?? "0") ?? 0
    if let listen = opt("--listen") {
      guard let colon = listen.lastIndex(of: ":"), let p = UInt16(listen[listen.index(after: colon)...]) else {
        FileHandle.standardError.write(Data("jules stand-in-api: --listen expects ADDR:PORT, got '\(listen)'\n".utf8))
        return 2
      }
      host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
      port = p
    }
    let api = StandInJulesAPI(apiKey: ProcessInfo.processInfo.environment["JULES_API_KEY"] ?? "stand-in-key", host: host, port: port)
    for i in 0..<(Int(opt("--sessions") ?? "20") ?? 20) { api.upsert(id: "s\(i)", title: "session \(i)") }
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGTERM)
    sigaddset(&signals, SIGINT)
    pthread_sigmask(SIG_BLOCK, &signals, nil)
    do { try api.start() } catch { print("\(error)"); return 1 }
    print("stand-in Jules API (not the real one) listening on \(host):\(api.port)")
    fflush(nil)
    var received: Int32 = 0
    sigwait(&signals, &received)
    api.stop()
    return 0
  }
}
