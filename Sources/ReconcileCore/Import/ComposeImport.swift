import Essentials
import Foundation

/// A docker compose project as reconcile manifests: each service a `container` (its image an `image` resource pulled
/// or built), each named volume a `volume`, each network a `network`, the project's default network with the service
/// names as aliases (so that services still find each other by name), `depends_on` as `dependsOn` with its
/// conditions, `${VAR}` as `${var.VAR}` (or `${secret.VAR}` for names that look secret) with compose's defaults as the
/// variables' values. Every key it does not translate is listed, never dropped silently.
public struct ComposeImport {
  public struct Result {
    /// The manifest (formatted JSON).
    public var manifest: String
    /// What was not translated, as `services.web.key: why`.
    public var untranslated: [String]
    /// Secrets the manifest now needs (`${secret.NAME}`).
    public var secrets: [String]
    /// The resources whose objects compose already made (`running`), for `reconcile import` to take over.
    public var adoptable: [String] = []
  }

  /// The objects docker compose made for this project, found on the Engine by compose's labels: the manifest names
  /// them as they are, so that `reconcile import` can take them over without recreating them.
  public struct RunningProject: Sendable {
    /// Service -> container name.
    public var containers: [String: String] = [:]
    /// Compose's volume key -> Docker name.
    public var volumes: [String: String] = [:]
    /// Compose's network key (`default` too) -> Docker name.
    public var networks: [String: String] = [:]

    public init() {}
  }

  let project: String
  /// The compose file's directory: relative build contexts, bind mounts and env files resolve there.
  let directory: String
  let readFile: (String) -> String?
  let running: RunningProject?
  var untranslated: [String] = []
  var adoptable: [String] = []

  public init(project: String, directory: String, running: RunningProject? = nil, readFile: @escaping (String) -> String?) {
    self.project = project
    self.directory = directory
    self.running = running
    self.readFile = readFile
  }

  static let secretWords = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL"]

  public mutating func translate(_ yaml: String) throws -> Result {
    let root: YAMLNode
    do { root = try YAMLSubset.parse(yaml) } catch { throw OperationError(doing: "read the compose file", "\(error)") }
    guard case .mapping(let top) = root, case .mapping(let services)? = root["services"] else {
      throw OperationError(doing: "read the compose file", "it has no 'services' mapping")
    }
    for (key, _) in top where !["services", "volumes", "networks", "version", "name"].contains(key) && !key.hasPrefix("x-") {
      untranslated.append("\(key): not translated" + (Self.why[key].map { " (\($0))" } ?? " (top-level key)"))
    }
    var resources: [[String: Any]] = []
    var declaredNetworks: [String] = []
    if case .mapping(let nets)? = root["networks"] {
      for (name, spec) in nets {
        var r: [String: Any] = ["kind": "network", "name": networkName(name)]
        if let driver = spec["driver"]?.text { r["driver"] = driver }
        if spec["internal"]?.text == "true" { r["internal"] = true }
        for (k, _) in pairs(spec) where !["driver", "internal"].contains(k) { untranslated.append("networks.\(name).\(k): not translated") }
        declaredNetworks.append(name)
        resources.append(r)
      }
    }
    if case .mapping(let vols)? = root["volumes"] {
      for (name, spec) in vols {
        var r: [String: Any] = ["kind": "volume", "name": volumeName(name)]
        if let driver = spec["driver"]?.text, driver != "local" { r["driver"] = driver }
        for (k, _) in pairs(spec) where k != "driver" { untranslated.append("volumes.\(name).\(k): not translated (the volume is created without it)") }
        resources.append(r)
      }
    }
    // Services without networks of their own are on the project's default network, named by their service names.
    let usesDefault = services.contains { $0.value["networks"] == nil && $0.value["network_mode"] == nil }
    // Docker keeps the name 'default' for itself; compose's own is `<project>_default`.
    let defaultNetwork = running?.networks["default"] ?? "\(projectName)-default"
    if usesDefault { resources.append(["kind": "network", "name": defaultNetwork]) }
    if let running {
      adoptable += running.networks.keys.filter { $0 == "default" ? usesDefault : declaredNetworks.contains($0) }.map { "network/\(networkName($0))" }
      adoptable += running.volumes.keys.filter { root["volumes"]?[$0] != nil }.map { "volume/\(volumeName($0))" }
    }
    for (name, service) in services {
      resources += try self.service(name, service, defaultNetwork: usesDefault ? defaultNetwork : nil)
    }
    var doc: [String: Any] = ["apiVersion": ManifestDecoder.apiVersion, "project": projectName, "resources": resources]
    if !box.variables.isEmpty { doc["variables"] = box.variables }
    let data = try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .withoutEscapingSlashes])
    let text = (try? ManifestFormatter.format(Array(data))) ?? String(decoding: data, as: UTF8.self)
    for (name, value) in box.variables.sorted(by: { $0.key < $1.key }) where value.isEmpty {
      untranslated.append("${\(name)}: compose gives it no default; the manifest's variable '\(name)' is empty (set it with --var \(name)=…)")
    }
    return Result(manifest: text, untranslated: untranslated, secrets: box.secrets.sorted(), adoptable: adoptable.sorted())
  }

  public var projectName: String {
    let cleaned = project.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" }
    return String(String(cleaned).prefix(40))
  }

  /// Compose's object names are `<project>_<name>`; reconcile's `project` label keeps projects apart, so the names
  /// stay as written, made valid.
  func dockerName(_ name: String) -> String { String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "-" }) }

  /// A volume's or network's Docker name: compose's own when it made one (`running`), else the key made valid.
  func volumeName(_ key: String) -> String { running?.volumes[key] ?? dockerName(key) }
  func networkName(_ key: String) -> String { running?.networks[key] ?? dockerName(key) }

  func pairs(_ node: YAMLNode?) -> [(key: String, value: YAMLNode)] {
    if case .mapping(let p)? = node { return p }
    return []
  }

  func list(_ node: YAMLNode?) -> [YAMLNode] {
    switch node {
    case .sequence(let items)?: items
    case nil, .null?: []
    case let other?: [other]
    }
  }

  /// Why a common key is not translated.
  static let why: [String: String] = [
    "expose": "containers on a network reach every port of each other; nothing to declare",
    "secrets": "give a secret as ${secret.NAME} in env, or as a file resource with mode 0600",
    "profiles": "every service is declared; leave out the ones a profile would skip",
    "network_mode": "give the container networks, or none for the default bridge",
    "extra_hosts": "not supported by the container kind yet",
    "devices": "not supported by the container kind yet",
  ]

  static let handled: Set<String> = [
    "image", "build", "container_name", "command", "entrypoint", "environment", "env_file", "ports", "volumes", "networks",
    "depends_on", "healthcheck", "restart", "user", "working_dir", "labels", "logging", "mem_limit", "cpus", "pids_limit",
    "init", "read_only", "cap_drop", "stop_signal", "stop_grace_period", "deploy",
  ]

  mutating func service(_ name: String, _ s: YAMLNode, defaultNetwork: String?) throws -> [[String: Any]] {
    var out: [[String: Any]] = []
    var c: [String: Any] = ["kind": "container", "name": dockerName(name)]
    let at = "services.\(name)"
    for (k, _) in pairs(s) where !Self.handled.contains(k) { untranslated.append("\(at).\(k): not translated" + (Self.why[k].map { " (\($0))" } ?? "")) }
    // The image: built here, or pulled when missing.
    let image = "image/\(dockerName(name))"
    if let build = s["build"] {
      var b: [String: Any] = [:]
      if let context = build.text {
        b["context"] = path(context)
      } else {
        b["context"] = path(build["context"]?.text ?? ".")
        if let f = build["dockerfile"]?.text { b["dockerfile"] = f }
        for (k, _) in pairs(build) where !["context", "dockerfile"].contains(k) { untranslated.append("\(at).build.\(k): not translated") }
      }
      var r: [String: Any] = ["kind": "image", "name": dockerName(name), "build": b]
      r["tag"] = s["image"]?.text.map(interpolate) ?? "\(projectName)/\(dockerName(name)):latest"
      out.append(r)
      c["image"] = image
    } else if let ref = s["image"]?.text {
      out.append(["kind": "image", "name": dockerName(name), "ref": interpolate(ref)])
      c["image"] = image
    } else {
      throw OperationError(doing: "translate \(at)", "it has neither 'image' nor 'build'")
    }
    if let n = running?.containers[name] ?? s["container_name"]?.text { c["dockerName"] = n }
    if running?.containers[name] != nil { adoptable.append("container/\(dockerName(name))") }
    if let v = s["command"] { c["command"] = words(v) }
    if let v = s["entrypoint"] { c["entrypoint"] = words(v) }
    var env: [String: String] = [:]
    for file in list(s["env_file"]) {
      guard let f = file.text ?? file["path"]?.text else { continue }
      guard let text = readFile(path(f)) else {
        untranslated.append("\(at).env_file: '\(f)' could not be read; its variables are missing")
        continue
      }
      do {
        for (k, v) in try DotEnv.parse(text) { env[k] = v }
      } catch {
        untranslated.append("\(at).env_file: '\(f)' \(error); its variables are missing")
      }
    }
    switch s["environment"] {
    case .mapping(let p)?: for (k, v) in p { env[k] = v.text ?? "" }
    case .sequence(let items)?:
      for item in items {
        guard let t = item.text else { continue }
        let parts = t.split(separator: "=", maxSplits: 1)
        env[String(parts[0])] = parts.count > 1 ? String(parts[1]) : "${\(parts[0])}"
      }
    default: break
    }
    if !env.isEmpty { c["env"] = env.mapValues(interpolate) }
    var ports: [String] = []
    for p in list(s["ports"]) {
      if let t = p.text {
        if t.contains(":") { ports.append(t) } else { untranslated.append("\(at).ports: '\(t)' publishes on a random host port; give HOST:CONTAINER") }
      } else if let target = p["target"]?.text, let published = p["published"]?.text {
        let ip = p["host_ip"]?.text.map { "\($0):" } ?? ""
        ports.append("\(ip)\(published):\(target)" + (p["protocol"]?.text.map { $0 == "tcp" ? "" : "/\($0)" } ?? ""))
      }
    }
    if !ports.isEmpty { c["ports"] = ports }
    var mounts: [[String: Any]] = []
    for v in list(s["volumes"]) {
      var source: String?, target: String?, readOnly = false
      if let t = v.text {
        let parts = t.split(separator: ":").map(String.init)
        if parts.count == 1 {
          untranslated.append("\(at).volumes: '\(t)' is an anonymous volume; name it (NAME:\(t))")
          continue
        }
        (source, target, readOnly) = (parts[0], parts[1], parts.count > 2 && parts[2].split(separator: ",").contains("ro"))
      } else {
        (source, target, readOnly) = (v["source"]?.text, v["target"]?.text, v["read_only"]?.text == "true")
      }
      guard let source, let target else { continue }
      if source.hasPrefix("/") || source.hasPrefix(".") || source.hasPrefix("~") {
        mounts.append(["bind": path(source), "target": target, "readOnly": readOnly])
      } else {
        mounts.append(["volume": "volume/\(volumeName(source))", "target": target, "readOnly": readOnly])
      }
    }
    if !mounts.isEmpty { c["mounts"] = mounts.map { m in m.filter { $0.key != "readOnly" || ($0.value as? Bool) == true } } }
    var networks: [[String: Any]] = []
    switch s["networks"] {
    case .sequence(let items)?:
      for n in items { if let t = n.text { networks.append(["network": "network/\(networkName(t))", "aliases": [name]]) } }
    case .mapping(let p)?:
      for (n, spec) in p {
        let aliases = [name] + list(spec["aliases"]).compactMap(\.text)
        networks.append(["network": "network/\(networkName(n))", "aliases": aliases])
      }
    default:
      if let defaultNetwork, s["network_mode"] == nil { networks.append(["network": "network/\(defaultNetwork)", "aliases": [name]]) }
    }
    if !networks.isEmpty { c["networks"] = networks }
    var deps: [Any] = []
    switch s["depends_on"] {
    case .sequence(let items)?: deps = items.compactMap { $0.text.map { "container/\(dockerName($0))" } }
    case .mapping(let p)?:
      for (d, spec) in p {
        switch spec["condition"]?.text {
        case "service_healthy": deps.append(["resource": "container/\(dockerName(d))", "condition": "healthy"])
        case nil, "service_started": deps.append("container/\(dockerName(d))")
        case let other?:
          deps.append("container/\(dockerName(d))")
          untranslated.append("\(at).depends_on.\(d).condition: '\(other)' is waited for as 'started'")
        }
      }
    default: break
    }
    if !deps.isEmpty { c["dependsOn"] = deps }
    if let h = s["healthcheck"] {
      if h["disable"]?.text == "true" {
        untranslated.append("\(at).healthcheck.disable: not translated (the image's own healthcheck stays)")
      } else if let check = healthcheck(h, at: at) {
        c["healthcheck"] = check
      }
    }
    if let r = s["restart"]?.text { c["restart"] = r }
    if let u = s["user"]?.text { c["user"] = u }
    if let w = s["working_dir"]?.text { c["workingDir"] = w }
    switch s["labels"] {
    case .mapping(let p)?: c["labels"] = Dictionary(p.map { ($0.key, $0.value.text ?? "") }) { a, _ in a }
    case .sequence(let items)?:
      c["labels"] = Dictionary(items.compactMap { $0.text?.split(separator: "=", maxSplits: 1) }.map { (String($0[0]), $0.count > 1 ? String($0[1]) : "") }) { a, _ in a }
    default: break
    }
    if let l = s["logging"] {
      var log: [String: Any] = ["driver": l["driver"]?.text ?? "json-file"]
      let options = pairs(l["options"])
      if !options.isEmpty { log["options"] = Dictionary(options.map { ($0.key, $0.value.text ?? "") }) { a, _ in a } }
      c["log"] = log
    }
    let limits = s["deploy"]?["resources"]?["limits"]
    if let m = s["mem_limit"]?.text ?? limits?["memory"]?.text { c["memory"] = m.lowercased().replacingOccurrences(of: "b", with: "") }
    if let cpus = s["cpus"]?.text ?? limits?["cpus"]?.text, let n = Double(cpus) { c["cpus"] = n }
    if let p = s["pids_limit"]?.text, let n = Int(p) { c["pidsLimit"] = n }
    if let d = s["deploy"] {
      for (k, _) in pairs(d) where k != "resources" { untranslated.append("\(at).deploy.\(k): not translated (Swarm deploy settings: see the service kind)") }
    }
    if s["init"]?.text == "true" { c["init"] = true }
    if s["read_only"]?.text == "true" { c["readOnlyRootfs"] = true }
    let drops = list(s["cap_drop"]).compactMap(\.text)
    if !drops.isEmpty { c["capDrop"] = drops }
    if let sig = s["stop_signal"]?.text { c["stopSignal"] = sig }
    if let g = s["stop_grace_period"]?.text { c["stopTimeout"] = g }
    out.append(c)
    return out
  }

  mutating func healthcheck(_ h: YAMLNode, at: String) -> [String: Any]? {
    var check: [String: Any] = [:]
    switch h["test"] {
    case .scalar(let t, _)?: check["command"] = interpolate(t)
    case .sequence(let items)?:
      let words = items.compactMap(\.text).map(interpolate)
      switch words.first {
      case "CMD": check["command"] = Array(words.dropFirst())
      case "CMD-SHELL": check["command"] = words.dropFirst().joined(separator: " ")
      case "NONE":
        untranslated.append("\(at).healthcheck.test: NONE is not translated")
        return nil
      default: check["command"] = words
      }
    default:
      untranslated.append("\(at).healthcheck: no 'test'")
      return nil
    }
    for (from, to) in [("interval", "interval"), ("timeout", "timeout"), ("start_period", "startPeriod")] {
      if let v = h[from]?.text { check[to] = v }
    }
    if let r = h["retries"]?.text, let n = Int(r) { check["retries"] = n }
    return check
  }

  /// A command or entrypoint: a list stays a list; a string is split on spaces as compose does (quotes respected).
  func words(_ node: YAMLNode) -> [String] {
    if case .sequence(let items) = node { return items.compactMap(\.text).map(interpolate) }
    guard let text = node.text else { return [] }
    var out: [String] = [], word = "", quote: Character?
    for ch in text {
      if let q = quote {
        if ch == q { quote = nil } else { word.append(ch) }
      } else if ch == "\"" || ch == "'" {
        quote = ch
      } else if ch == " " {
        if !word.isEmpty { out.append(word) }
        word = ""
      } else {
        word.append(ch)
      }
    }
    if !word.isEmpty { out.append(word) }
    return out.map(interpolate)
  }

  func path(_ p: String) -> String {
    if p.hasPrefix("/") { return p }
    if p.hasPrefix("~/") { return reference("HOME", fallback: nil) + p.dropFirst() }
    return PathText.lexical(directory + "/" + p)
  }

  /// Compose's `${NAME}`, `${NAME:-default}`, `${NAME-default}` and `$NAME` as reconcile references: a secret for a
  /// name that looks like one, else a variable whose value is compose's default; `$$` is a literal `$`.
  func interpolate(_ text: String) -> String {
    var out = "", chars = Array(text), i = 0
    while i < chars.count {
      let c = chars[i]
      guard c == "$", i + 1 < chars.count else {
        out.append(c)
        i += 1
        continue
      }
      if chars[i + 1] == "$" {
        // Compose's literal '$'; before '{' reconcile's own literal is '$${' (else it would read a reference).
        out += i + 2 < chars.count && chars[i + 2] == "{" ? "$$" : "$"
        i += 2
        continue
      }
      var name = "", fallback: String?
      if chars[i + 1] == "{", let close = chars[(i + 2)...].firstIndex(of: "}") {
        let inner = String(chars[(i + 2)..<close])
        if let r = inner.range(of: ":-") ?? inner.range(of: "-") {
          name = String(inner[..<r.lowerBound])
          fallback = String(inner[r.upperBound...])
        } else if let r = inner.range(of: ":?") ?? inner.range(of: "?") {
          name = String(inner[..<r.lowerBound])
        } else {
          name = inner
        }
        i = close + 1
      } else {
        var j = i + 1
        while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { j += 1 }
        name = String(chars[(i + 1)..<j])
        i = j
      }
      guard !name.isEmpty else {
        out.append("$")
        continue
      }
      out += reference(name, fallback: fallback)
    }
    return out
  }

  func reference(_ name: String, fallback: String?) -> String {
    let upper = name.uppercased()
    if Self.secretWords.contains(where: upper.contains) {
      box.secrets.insert(name)
      return "${secret.\(name)}"
    }
    box.variables[name] = box.variables[name] ?? fallback ?? ""
    return "${var.\(name)}"
  }

  /// References found while translating (interpolate is used from non-mutating places).
  final class Found {
    var secrets: Set<String> = []
    var variables: [String: String] = [:]
  }
  let box = Found()
}
