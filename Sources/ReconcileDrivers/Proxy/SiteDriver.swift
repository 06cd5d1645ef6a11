import DockerEngine
import Essentials
import Foundation
import ReconcileCore

#if canImport(Glibc)
  import Glibc
#endif

/// Observes and applies `site` resources on managed nginx and Caddy servers (one per prefix).
public struct SiteDriver: KindDriver {
  /// `DOCKER_HOST`, for the addresses of containers reached on their network.
  let environment: [String: String]

  public init(environment: [String: String] = ProcessInfo.processInfo.environment) { self.environment = environment }

  public var kinds: [String] { ["site"] }

  /// Reads each site's file in its server's live generation, whether the server runs, and certificate digests.
  public func observe(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    var out: [ResourceID: Observation] = [:]
    var running: [String: Bool] = [:]
    var generation: [String: (loaded: String?, live: String?)] = [:]
    var loaded: [String: [String: String]] = [:]
    for t in targets {
      guard let prefix = t.locator["prefix"], let server = t.locator["server"].flatMap(ProxyServerKind.init(rawValue:)) else { continue }
      let ext = server == .nginx ? "conf" : "caddy"
      let live = "\(prefix)/live/sites"
      guard let config = HostFiles.read("\(live)/\(t.id.name).\(ext)") else {
        out[t.id] = .absent
        continue
      }
      var facts: [Fact: String] = [:]
      if running[prefix] == nil {
        let admin = t.locator["admin"] ?? ""
        running[prefix] = server == .nginx ? NginxServer(prefix: prefix).runningPID != nil : CaddyServer(prefix: prefix, admin: admin).isRunning
        if running[prefix]! {
          let live = ConfigGenerations(prefix: prefix).current.map { ($0 as NSString).lastPathComponent }
          let served = server == .nginx ? NginxServer(prefix: prefix).loadedGeneration : CaddyServer(prefix: prefix, admin: admin).loadedGeneration
          generation[prefix] = (served ?? "unknown", live)
        }
      }
      facts[.running] = running[prefix]! ? "true" : "false"
      if let g = generation[prefix], let live = g.live {
        facts[.liveGeneration] = live
        facts[.loadedGeneration] = g.loaded
      }
      if let spec = t.spec as? SiteSpec {
        if let moved = try await movedUpstream(spec) { facts[.upstreamMoved] = moved }
        if !spec.certificateFiles.isEmpty {
          if loaded[prefix] == nil { loaded[prefix] = LoadedCertificates(prefix: prefix).loaded() }
          facts[.loadedCertificates] = spec.certificateFiles.map { loaded[prefix]![$0] ?? "none" }.joined(separator: ",")
          facts[.currentCertificates] = spec.certificateFiles.map(LoadedCertificates.digest).joined(separator: ",")
        }
      }
      out[t.id] = Observation(exists: true, attributes: ["config": config], facts: facts)
    }
    return out
  }

  /// The first route whose upstream in the live generation is not the container's address now:
  /// `container/NAME FROM TO`. A container that does not exist is its own step's business.
  func movedUpstream(_ spec: SiteSpec) async throws -> String? {
    guard !spec.containerRoutes.isEmpty, let live = ConfigGenerations(prefix: spec.prefix).current else { return nil }
    let client = try DockerEngineClient.fromEnvironment(environment)
    for r in spec.containerRoutes {
      guard let now = try? await RouteSwitcher.addresses(of: r, client: client), !now.isEmpty else { continue }
      let text = HostFiles.read("\(live)/\(r.fileName)") ?? ""
      guard text != r.block(servers: now.map { ($0, 1) }) else { continue }
      // Every server of the block: two while a canary that was cut short left the requests split.
      let servers = r.addresses(in: text)
      let from = servers.isEmpty ? "(none)" : servers.joined(separator: ",")
      return "\(r.container) \(from) \(now.joined(separator: ","))"
    }
    return nil
  }

  /// Writes (or removes) the site's files in a new generation of its server, validates, swaps and reloads.
  public func perform(_ step: Step) async throws {
    let what = "\(step.action.rawValue) \(step.id)"
    if step.action == .replace || step.action == .destroy, let prior = step.prior?.locator, prior != step.desired?.locator ?? [:] {
      try withServer(prior, what: what) { staged in Self.remove(step.id.name, from: staged) }
      // The server's last site is gone: nothing is left for it to serve, so it stops.
      if Self.siteFiles(in: prior["prefix"] ?? "").isEmpty { stopServer(prior) }
    }
    guard step.action != .destroy else { return }
    guard let spec = step.desired as? SiteSpec else { throw OperationError(doing: what, "the step carries no site") }
    try Self.placeholders(for: spec)
    // The upstreams of containers reached on their network, at their addresses now.
    var upstreams: [(file: String, block: String)] = []
    if !spec.containerRoutes.isEmpty {
      let client = try DockerEngineClient.fromEnvironment(environment)
      for r in spec.containerRoutes {
        // Every running replica (every node running a task of a service); none running is an error naming it.
        let servers = try await RouteSwitcher.addresses(of: r, client: client).map { ($0, 1) }
        if servers.isEmpty, r.isService { throw OperationError(doing: what, "\(r.container) runs no task to route to") }
        upstreams.append((r.fileName, servers.isEmpty ? r.block(address: try await RouteSwitcher.address(of: r.name, client: client)) : r.block(servers: servers)))
      }
    }
    try withServer(spec.locator, what: what) { staged in
      for u in upstreams { try HostFiles.write(u.block, to: "\(staged)/\(u.file)") }
      try HostFiles.write(spec.config.value, to: "\(staged)/\(spec.fileName)")
      let certs = "\(staged)/sites/\(spec.id.name).certs"
      if spec.certificateFiles.isEmpty { unlink(certs) } else { try HostFiles.write(spec.certificateFiles.joined(separator: "\n") + "\n", to: certs) }
    }
  }

  /// Reloads the site's server so it serves what changed under it (a certificate issued or renewed); starts it
  /// with its live configuration when it is not running.
  public func refresh(_ refresh: Refresh) async throws {
    guard let spec = refresh.spec as? SiteSpec else { throw OperationError(doing: "refresh \(refresh.id)", "it is not a site") }
    let what = "\(spec.refreshAction) for \(spec.id)"
    switch spec.server {
    case .nginx: try NginxServer(prefix: spec.prefix).refresh(what)
    case .caddy: try CaddyServer(prefix: spec.prefix, admin: spec.admin ?? "127.0.0.1:2019").refresh(what)
    }
  }

  /// A site may start before its certificate's first issuance (an ACME certificate whose challenge it serves):
  /// a missing chain gets a one-day self-signed placeholder, which the certificate's observation reports as such.
  static func placeholders(for spec: SiteSpec) throws {
    for chain in spec.certificateFiles where chain.hasSuffix("/fullchain.pem") && !FileManager.default.fileExists(atPath: chain) {
      try CertificateStore(directory: PathText.parent(chain)).installPlaceholder(domains: spec.serverNames.isEmpty ? ["localhost"] : spec.serverNames)
    }
  }

  func withServer(_ locator: [String: String], what: String, change: (String) throws -> Void) throws {
    guard let prefix = locator["prefix"], let server = locator["server"].flatMap(ProxyServerKind.init(rawValue:)) else {
      throw OperationError(doing: what, "the site's server and prefix are unknown")
    }
    switch server {
    case .nginx: try NginxServer(prefix: prefix).apply(what, change: change)
    case .caddy: try CaddyServer(prefix: prefix, admin: locator["admin"] ?? "127.0.0.1:2019").apply(what, change: change)
    }
  }

  /// The site files of a server's live generation.
  static func siteFiles(in prefix: String) -> [String] {
    let sites = ConfigGenerations(prefix: prefix).live + "/sites"
    return ((try? FileManager.default.contentsOfDirectory(atPath: sites)) ?? []).filter { $0.hasSuffix(".conf") || $0.hasSuffix(".caddy") }
  }

  func stopServer(_ locator: [String: String]) {
    guard let prefix = locator["prefix"], let server = locator["server"].flatMap(ProxyServerKind.init(rawValue:)) else { return }
    switch server {
    case .nginx: NginxServer(prefix: prefix).stop()
    case .caddy: CaddyServer(prefix: prefix, admin: locator["admin"] ?? "127.0.0.1:2019").stop()
    }
  }

  static func remove(_ name: String, from staged: String) {
    for f in ["sites/\(name).conf", "sites/\(name).caddy", "sites/\(name).certs"] { unlink("\(staged)/\(f)") }
  }
}

/// Whether a managed server runs, for the controller that watches them between runs.
public enum ManagedServer {
  public static func isRunning(_ server: ProxyServerKind, prefix: String, admin: String?) -> Bool {
    switch server {
    case .nginx: NginxServer(prefix: prefix).runningPID != nil
    case .caddy: CaddyServer(prefix: prefix, admin: admin ?? "").isRunning
    }
  }
}
