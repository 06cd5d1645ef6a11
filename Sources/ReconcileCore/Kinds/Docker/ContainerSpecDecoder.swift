import Foundation

extension ContainerSpec {
  public static let descriptor = KindDescriptor(name: "container", readsPeers: ["image", "backup"]) { id, r, context in
    var spec = ContainerSpecDecoder.decode(id, &r)
    // The reference the image resource declares (`app:2`), so the container knows what it runs without asking anyone.
    if case .resource(let image)? = spec?.image { spec?.imageReference = (context.peers[image] as? ImageSpec)?.reference }
    for (i, text) in (r.strings("backupBefore") ?? []).enumerated() {
      guard let backup = ResourceID(parsing: text, in: id.module), backup.kind == "backup", backup.module == id.module else {
        r.report("backupBefore[\(i)]", "expected \"backup/NAME\", got '\(text)'")
        continue
      }
      guard let b = context.peers[backup] as? BackupSpec else {
        r.report("backupBefore[\(i)]", "'\(backup)' is not declared in the manifests")
        continue
      }
      spec?.backupsBefore.append(b)
    }
    return spec
  }
}

/// Reads a `container` resource from a manifest, reporting every problem with its path.
enum ContainerSpecDecoder {
  static let restartPolicies = ["no", "always", "unless-stopped", "on-failure"]

  static func decode(_ id: ResourceID, _ r: inout FieldReader) -> ContainerSpec? {
    let image = imageSource(&r, in: id.module)
    var spec = ContainerSpec(id: id, image: image ?? .reference(""))
    if let name = r.string("dockerName") {
      if DockerNames.isValidContainerName(name) {
        spec.dockerName = name
      } else {
        r.report("dockerName", "expected a Docker container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*), got '\(name)'")
      }
    }
    spec.command = r.texts("command")
    if spec.command?.isEmpty == true { r.report("command", "expected at least one word, got an empty list") }
    spec.entrypoint = r.strings("entrypoint")
    for (key, value) in r.textMap("env") ?? [:] {
      if key.isEmpty || key.contains("=") { r.report("env.\(key)", "expected a variable name without '=', got '\(key)'") }
      spec.env[key] = value
    }
    for (i, text) in (r.strings("ports") ?? []).enumerated() {
      if let port = PortMapping(parsing: text) {
        spec.ports.append(port)
      } else {
        r.report("ports[\(i)]", "expected \"[IP:]HOST:CONTAINER[/tcp|udp]\" like \"127.0.0.1:8080:80\", got '\(text)'")
      }
    }
    spec.mounts = mounts(&r, in: id.module)
    spec.networks = networks(&r, in: id.module)
    spec.restart = restart(&r)
    spec.healthcheck = healthcheck(&r)
    spec.user = r.string("user")
    if let user = spec.user, !ContainerValueRules.isUser(user) {
      r.report("user", "expected a user name or uid, optionally with ':' and a group name or gid (like \"app\" or \"1000:1000\"), got '\(user)'")
    }
    spec.workingDir = r.string("workingDir")
    if let dir = spec.workingDir, !dir.hasPrefix("/") { r.report("workingDir", "expected an absolute path, got '\(dir)'") }
    for (key, value) in r.textMap("labels") ?? [:] {
      if value.isSensitive { r.report("labels.\(key)", "secrets are not allowed in labels (anyone who can list containers reads them)") }
      if DockerLabel.reserved.contains(key) { r.report("labels.\(key)", "label '\(key)' is set by reconcile itself") }
      spec.labels[key] = value.value
    }
    spec.memoryBytes = memory(&r)
    if let cpus = r.number("cpus", in: 0.001...1024) { spec.nanoCPUs = Int((cpus * 1e9).rounded()) }
    spec.pidsLimit = r.int("pidsLimit", in: 1...4_194_304)
    spec.initProcess = r.bool("init")
    spec.readOnlyRootfs = r.bool("readOnlyRootfs")
    let drops = r.strings("capDrop") ?? []
    for (i, c) in drops.enumerated() where !ContainerValueRules.capabilities.contains(capability(c)) {
      r.report("capDrop[\(i)]", "expected a Linux capability like \"NET_RAW\" or \"ALL\", got '\(c)'")
    }
    spec.capDrop = Array(Set(drops.map(capability))).sorted()
    if let signal = r.string("stopSignal") {
      if ContainerValueRules.isSignal(signal) {
        spec.stopSignal = signal.uppercased()
      } else {
        r.report("stopSignal", "expected a signal name like \"SIGTERM\" or \"SIGQUIT\", got '\(signal)'")
      }
    }
    spec.stopTimeout = seconds(&r, "stopTimeout")
    spec.log = log(&r)
    if let replicas = r.int("replicas", in: 1...100) {
      spec.replicas = replicas
      if replicas > 1, !spec.ports.isEmpty {
        r.report("replicas", "\(replicas) containers cannot publish the same host ports; drop \"ports\" and route to them through a site (nginx reaches each on its network)")
      }
    }
    if let state = r.choice("state", ["running", "stopped"]) { spec.state = ContainerSpec.DesiredState(rawValue: state)! }
    if var o = r.object("readiness") {
      let path = o.string("http", required: true)
      let port = o.int("port", in: 1...65535)
      if o.object["port"] == nil { o.report("port", "is required") }
      o.finish()
      if let path, !path.hasPrefix("/") || path.contains(" ") { r.report("readiness.http", "expected a path like \"/readyz\", got '\(path)'") }
      if let path, let port, path.hasPrefix("/") { spec.readiness = .init(path: path, port: port) }
    }
    if var u = r.object("update") {
      if let s = u.choice("strategy", ["stop-first", "start-first", "rolling", "canary", "blue-green"]) {
        if let strategy = ContainerSpec.Strategy(rawValue: s) { spec.strategy = strategy } else { spec.rollout = RolloutDecoder.decode(s, &u) }
      }
      if let within = u.duration("healthyWithin") {
        if within > 0 { spec.healthyWithin = within } else { u.report("healthyWithin", "expected a duration greater than zero") }
      }
      if let grace = u.duration("startupGrace") { spec.startupGrace = grace }
      if let drain = u.duration("drainTimeout") { spec.drainTimeout = drain }
      if let batch = u.int("batch", in: 1...100) { spec.batch = batch }
      u.finish()
    }
    guard image != nil else { return nil }
    return spec
  }

  /// References (`image/NAME`, `volume/NAME`, `network/NAME`) name resources of the module the container is in.
  static func imageSource(_ r: inout FieldReader, in module: String?) -> ContainerSpec.ImageSource? {
    guard let text = r.string("image", required: true) else { return nil }
    if text.hasPrefix("image/"), let ref = ResourceID(parsing: text, in: module), !ref.name.contains(":") {
      return .resource(ref)
    }
    guard !text.isEmpty, !text.contains(" "), text.lowercased() == text || text.contains("@") else {
      r.report("image", "expected \"image/NAME\" or a local image reference like \"local/busybox:1\", got '\(text)'")
      return nil
    }
    return .reference(text)
  }

  static func mounts(_ r: inout FieldReader, in module: String?) -> [ContainerSpec.Mount] {
    var out: [ContainerSpec.Mount] = []
    for var m in r.objects("mounts") ?? [] {
      let volume = m.string("volume")
      let bind = m.string("bind")
      let target = m.string("target", required: true)
      let readOnly = m.bool("readOnly") ?? false
      m.finish()
      var source: ContainerSpec.Mount.Source?
      switch (volume, bind) {
      case (let v?, nil):
        if let ref = ResourceID(parsing: v, in: module), ref.kind == "volume", ref.module == module {
          source = .volume(ref.name)
        } else {
          m.report("volume", "expected \"volume/NAME\", got '\(v)'")
        }
      case (nil, let b?):
        if b.hasPrefix("/") { source = .bind(b) } else { m.report("bind", "expected an absolute host path, got '\(b)'") }
      case (nil, nil):
        m.report(nil, "expected \"volume\": \"volume/NAME\" or \"bind\": \"/host/path\"")
      default:
        m.report(nil, "give either 'volume' or 'bind', not both")
      }
      if let target, !target.hasPrefix("/") { m.report("target", "expected an absolute path in the container, got '\(target)'") }
      if let source, let target { out.append(.init(source: source, target: target, readOnly: readOnly)) }
    }
    return out
  }

  static func networks(_ r: inout FieldReader, in module: String?) -> [ContainerSpec.NetworkAttachment] {
    var out: [ContainerSpec.NetworkAttachment] = []
    for var n in r.objects("networks") ?? [] {
      let ref = n.string("network", required: true)
      let aliases = n.strings("aliases") ?? []
      n.finish()
      guard let ref else { continue }
      guard let id = ResourceID(parsing: ref, in: module), id.kind == "network", id.module == module else {
        n.report("network", "expected \"network/NAME\", got '\(ref)'")
        continue
      }
      if out.contains(where: { $0.network == id.name }) { n.report("network", "'\(ref)' is listed twice") }
      out.append(.init(network: id.name, aliases: aliases))
    }
    return out
  }

  static func restart(_ r: inout FieldReader) -> String? {
    guard let text = r.string("restart") else { return nil }
    if restartPolicies.contains(text) { return text }
    if text.hasPrefix("on-failure:"), let n = Int(text.dropFirst("on-failure:".count)), n > 0 { return text }
    r.report("restart", "expected one of 'no', 'always', 'unless-stopped', 'on-failure' or 'on-failure:N', got '\(text)'\(Suggestion.hint(for: text, in: restartPolicies))")
    return nil
  }

  static func healthcheck(_ r: inout FieldReader) -> ContainerSpec.Healthcheck? {
    guard var h = r.object("healthcheck") else { return nil }
    var test: [String]?
    switch h.value("command", required: true) {
    case .string(let t)?: test = ["CMD-SHELL", t.value]
    case .array?: test = h.strings("command").map { ["CMD"] + $0 }
    case let other?: h.report("command", "expected a shell command string or a list of words, got \(other.typeName)")
    case nil: break
    }
    let check = ContainerSpec.Healthcheck(
      test: test ?? [], interval: h.duration("interval"), timeout: h.duration("timeout"),
      retries: h.int("retries", in: 0...1000), startPeriod: h.duration("startPeriod"))
    h.finish()
    guard let test, test.count > 1 else { return nil }
    return ContainerSpec.Healthcheck(test: test, interval: check.interval, timeout: check.timeout, retries: check.retries, startPeriod: check.startPeriod)
  }

  static func memory(_ r: inout FieldReader) -> Int? {
    guard let v = r.value("memory") else { return nil }
    var bytes: Int?
    switch v {
    case .string(let t): bytes = ResourceQuantity.bytes(t.value)
    case .number(let n): bytes = Int(exactly: n)
    default: break
    }
    guard let bytes, bytes >= 6 << 20, bytes <= ResourceQuantity.largestBytes else {
      r.report("memory", "expected a size from 6m to 1024g like \"256m\" or \"1g\", got \(v.quoted)")
      return nil
    }
    return bytes
  }

  /// Whole seconds from a number or a duration string (`30`, `"30s"`, `"1m"`).
  static func seconds(_ r: inout FieldReader, _ key: String) -> Int? {
    guard let v = r.value(key) else { return nil }
    var seconds: Double?
    if case .number(let n) = v, n == n.rounded() { seconds = n }
    if case .string(let t) = v { seconds = FieldReader.parseDuration(t.value)?.rounded(.up) }
    if let seconds, seconds >= 0, seconds <= FieldReader.longestDuration { return Int(seconds) }
    r.report(key, "expected seconds (30) or a duration like \"30s\", up to 100 years, got \(v.quoted)")
    return nil
  }

  static func log(_ r: inout FieldReader) -> ContainerSpec.LogConfig? {
    guard var l = r.object("log") else { return nil }
    let driver = l.string("driver", required: true)
    var options: [String: String] = [:]
    for (k, v) in l.textMap("options") ?? [:] {
      if v.isSensitive { l.report("options.\(k)", "secrets are not allowed here") }
      options[k] = v.value
    }
    if let driver { for (field, message) in ContainerValueRules.logProblems(driver: driver, options: options) { l.report(field, message) } }
    l.finish()
    return driver.map { ContainerSpec.LogConfig(driver: $0, options: options) }
  }

  /// `cap_net_raw` -> `NET_RAW`.
  static func capability(_ text: String) -> String {
    let upper = text.uppercased()
    return upper.hasPrefix("CAP_") ? String(upper.dropFirst(4)) : upper
  }
}

/// Name rules of the Engine.
public enum DockerNames {
  /// `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
  public static func isValidContainerName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first.isASCII, CharacterSet.alphanumerics.contains(first) else { return false }
    return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0)) }
  }
}
