import Foundation
import Essentials

/// One manifest file's bytes and the name to use for it in errors.
public struct ManifestSource: Sendable, Codable, Equatable {
  /// The file as the user named it, for messages.
  public var file: String
  public var data: Data
  /// The absolute directory relative paths in this file resolve against; nil: the file's directory as spelled.
  public var directory: String?
  /// The module directory this file belongs to (as a module's `source` resolves); nil for a top-level file.
  public var module: String?

  public init(file: String, data: Data, directory: String? = nil, module: String? = nil) {
    self.file = file
    self.data = data
    self.directory = directory
    self.module = module
  }
}

/// Turns manifest files into a validated `Manifest`, or every error at once.
public struct ManifestDecoder: Sendable {
  public static let apiVersion = "reconcile/v1"

  /// Letters, digits, `.`, `_`, `-`; starts with a letter or digit; at most 128 characters.
  static func isValidName(_ name: String) -> Bool {
    guard let first = name.utf8.first, name.utf8.count <= 128 else { return false }
    func alnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
    return alnum(first) && name.utf8.allSatisfy { alnum($0) || $0 == 46 || $0 == 95 || $0 == 45 }
  }

  public var registry: KindRegistry
  public var secrets: any SecretLookup
  public var context: DecodeContext
  /// Values given on the command line (`--environment`'s file, `--var-file`, `--var`, in that order, the later
  /// winning), over the manifests' own `variables`; each must be one the manifests declare.
  public var overrides: [VariableOverride] = []

  /// One variable's value from outside the manifests, and where it came from (`--var`, a file).
  public struct VariableOverride: Sendable {
    public var name: String
    public var value: String
    public var origin: String
    public init(name: String, value: String, origin: String) {
      self.name = name
      self.value = value
      self.origin = origin
    }
  }

  public init(registry: KindRegistry = .builtIn, secrets: any SecretLookup, context: DecodeContext) {
    self.registry = registry
    self.secrets = secrets
    self.context = context
  }

  struct Raw {
    var file: String
    var directory: String?
    var index: Int
    var object: [String: JSONValue]
    /// The module instance that declares it; nil at the top level.
    var module: String? = nil
    /// False when its file holds no `${` anywhere: nothing in it is interpolated (each value walked for one was a
    /// tenth of reading 10,000 resources).
    var mayReference = true
  }

  public func decode(_ sources: [ManifestSource]) throws(ManifestErrors) -> Manifest {
    let issues = IssueList()
    var raws: [Raw] = []
    var rawAlerts: [Raw] = []
    var selfHeal: (Bool, String)?
    var project: (String, String)?
    var variables: [String: (Text, String)] = [:]
    var release = ReleasePolicy()
    var rawVerify: [Raw] = []
    var rawMoved: [Raw] = []
    var instances: [Raw] = []
    for source in sources where source.module == nil {
      guard let top = parse(source, issues: issues) else { continue }
      var reader = FieldReader(file: source.file, subject: "", path: "", object: top, issues: issues)
      reader.accept("$schema")  // for editors (`reconcile schema`)
      if let v = reader.string("apiVersion", required: true), v != Self.apiVersion {
        reader.report("apiVersion", "expected '\(Self.apiVersion)', got '\(v)'")
      }
      for (name, value) in reader.textMap("variables") ?? [:] {
        if let (prior, file) = variables[name], prior != value {
          reader.report("variables.\(name)", "variable '\(name)' is also defined in \(file) with another value")
        }
        variables[name] = (value, source.file)
      }
      if let name = reader.string("project") {
        if !Project.isValidName(name) {
          reader.report("project", "expected lower-case letters, digits, '-' or '_' (starting with a letter or digit, at most 40), got '\(name)'")
        } else if let (prior, file) = project, prior != name {
          reader.report("project", "is also set in \(file) to '\(prior)'")
        } else {
          project = (name, source.file)
        }
      }
      if var policy = reader.object("policy") {
        if let heal = Self.policy(&policy, into: &release) {
          if let (prior, file) = selfHeal, prior != heal {
            policy.report("selfHeal", "is also set in \(file) with another value")
          }
          selfHeal = (heal, source.file)
        }
        policy.finish()
      }
      rawVerify += Self.objects(&reader, "verify", of: "checks", each: "an object like { \"http\": URL, \"expect\": 200 }", source)
      rawAlerts += Self.objects(&reader, "alerts", of: "alert targets", each: "an object", source)
      rawMoved += Self.objects(&reader, "moved", of: "moves", each: "an object like { \"from\": \"container/web\", \"to\": \"module.app/container/web\" }", source)
      guard let list = reader.value("resources", required: true) else {
        reader.finish()
        continue
      }
      reader.finish()
      guard case .array(let items) = list else {
        reader.report("resources", "expected a list of resources, got \(list.typeName)")
        continue
      }
      let references = source.data.withUnsafeBytes { Interpolator.mayReference(bytes: $0) }
      for (i, item) in items.enumerated() {
        guard case .object(let o) = item else {
          issues.add(ManifestIssue(file: source.file, subject: "resources[\(i)]", message: "expected an object, got \(item.typeName)"))
          continue
        }
        var raw = Raw(file: source.file, directory: source.directory, index: i, object: o)
        raw.mayReference = references
        if raw.isModule { instances.append(raw) } else { raws.append(raw) }
      }
    }
    for o in overrides {
      guard variables[o.name] != nil else {
        let hint = Suggestion.hint(for: o.name, in: variables.keys)
        issues.add(ManifestIssue(file: o.origin, message: "variable '\(o.name)' is not declared in the manifests' variables\(hint)"))
        continue
      }
      variables[o.name] = (Text(o.value), o.origin)
    }
    var interpolator = Interpolator(variables: resolveVariables(variables, issues: issues), secrets: secrets)
    interpolator.invocation = context.invocation
    // Module instances first: their resources join the others, their outputs become `${module.NAME.OUTPUT}`.
    let modules = instances.isEmpty ? ExpandedModules() : expandModules(instances, given: sources, interpolator: interpolator, issues: issues)
    if !instances.isEmpty {
      raws += modules.raws
      interpolator.outputs = modules.outputs
    }
    // Each resource at its declaration's place: the order of the manifests again, which breaks the ties of the
    // dependency order, so the plan reads as the manifests do.
    var placed = [Resource?](repeating: nil, count: raws.count)
    // Where each identifier was first declared, as an index of `placed`.
    var seen: [ResourceID: Int] = [:]
    seen.reserveCapacity(raws.count)
    // A kind that reads peers (a container reads its image's reference, a site its containers and certificates)
    // decodes after the kinds it reads, with the specs decoded before it as `context.peers`.
    var context = self.context
    let byPhase = Dictionary(grouping: raws.indices) { at in
      if case .string(let k)? = raws[at].object["kind"] { registry.phase(of: k.value) } else { 0 }
    }
    for phase in byPhase.keys.sorted() {
      if phase > 0 { context.peers = Dictionary(uniqueKeysWithValues: placed.lazy.compactMap { $0 }.map { ($0.id, $0.spec) }) }
      let indices = byPhase[phase]!
      var decoded = Self.eachInParallel(indices.count) { [raws, interpolator, context] i, found in
        let raw = raws[indices[i]]
        let scope = raw.module.flatMap { modules.interpolators[$0] } ?? interpolator
        return decodeResource(raw, interpolator: scope, context: context, issues: found)
      }
      // Taken out of `decoded` rather than copied: a copy of a resource retains each of its fields.
      for (k, at) in indices.enumerated() {
        for issue in decoded[k].1 { issues.add(issue) }
        guard let r = decoded[k].0.take() else { continue }
        if let first = seen[r.id].flatMap({ placed[$0]?.origin }) {
          let raw = raws[at]
          issues.add(
            ManifestIssue(
              file: raw.file, subject: "resources[\(raw.index)] '\(r.id)'",
              message: "'\(r.id)' is declared twice: in \(first.file) \(first.path) and in \(raw.file) \(r.origin.path)"))
          continue
        }
        seen[r.id] = at
        placed[at] = r
      }
    }
    var resources: [Resource] = []
    resources.reserveCapacity(placed.count)
    for at in placed.indices { if let r = placed[at].take() { resources.append(r) } }
    let alerts = decodeAlerts(rawAlerts, interpolator: interpolator, issues: issues)
    for raw in rawVerify {
      // Variables resolve in a check as anywhere else (`http://127.0.0.1:${var.port}/healthz`).
      guard let object = resolve(raw, subject: "verify[\(raw.index)]", interpolator: interpolator, issues: issues) else { continue }
      var r = FieldReader(file: raw.file, subject: "", path: "verify[\(raw.index)]", object: object, issues: issues, directory: raw.directory)
      if let check = VerifyCheck.decode(&r) { release.verify.append(check) }
    }
    resources = Self.resolvingHealthGates(resources, issues: issues)
    resources = Self.routingContainers(resources)
    Self.checkRollouts(resources, issues: issues)
    let ordered = DependencyGraph(PathClaims.apply(Self.addingDependents(resources), issues: issues)).ordered(issues: issues)
    if !issues.items.isEmpty { throw ManifestErrors(issues.items) }
    let all = modules.sources.isEmpty && !sources.contains(where: { $0.module != nil }) ? sources : sources.filter { $0.module == nil } + modules.sources
    let moved = rawMoved.isEmpty ? [] : Self.moves(rawMoved, declared: Set(ordered.map(\.id)), issues: issues)
    if !issues.items.isEmpty { throw ManifestErrors(issues.items) }
    var applied: [String: String] = [:]
    for o in overrides { applied[o.name] = o.value }
    var manifest = Manifest(
      resources: ordered, digest: Self.digest(all, overrides: applied), files: all.map(\.file), selfHeal: selfHeal?.0 ?? false, alerts: alerts,
      project: project?.0, release: release, sources: all, overrides: applied)
    manifest.moved = moved
    return manifest
  }

  /// `moved`: each `from` an address the manifests no longer declare, each `to` one they do, of the same kind; a
  /// Swarm service or node cannot move (its object is found by its address).
  static func moves(_ raws: [Raw], declared: Set<ResourceID>, issues: IssueList) -> [ResourceMove] {
    var out: [ResourceMove] = []
    for raw in raws {
      var r = FieldReader(file: raw.file, subject: "moved[\(raw.index)]", path: "", object: raw.object, issues: issues)
      let texts = (r.string("from", required: true), r.string("to", required: true))
      r.finish()
      guard let fromText = texts.0, let toText = texts.1 else { continue }
      guard let from = ResourceID(parsing: fromText) else {
        r.report("from", "expected \"kind/name\" or \"module.NAME/kind/name\", got '\(fromText)'")
        continue
      }
      guard let to = ResourceID(parsing: toText) else {
        r.report("to", "expected \"kind/name\" or \"module.NAME/kind/name\", got '\(toText)'")
        continue
      }
      if declared.contains(from) { r.report("from", "'\(from)' is still declared; a move is from an address the manifests no longer have") }
      if !declared.contains(to) { r.report("to", "'\(to)' is not declared in the manifests") }
      if from.kind != to.kind { r.report("to", "'\(from)' cannot become a \(to.kind): a move keeps the kind") }
      if ["service", "node"].contains(from.kind) { r.report("from", "a Swarm \(from.kind) cannot move yet: it is found by its address") }
      if out.contains(where: { $0.from == from || $0.to == to }) { r.report(nil, "'\(from)' or '\(to)' is in another move too") }
      out.append(ResourceMove(from: from, to: to))
    }
    return out
  }

  /// `policy`: the release settings go into `release`; returns `selfHeal` when set.
  static func policy(_ policy: inout FieldReader, into release: inout ReleasePolicy) -> Bool? {
    let heal = policy.bool("selfHeal")
    if let keep = policy.int("keepGenerations", in: 1...100) { release.keepGenerations = keep }
    if let rollback = policy.bool("rollbackOnFailure") { release.rollbackOnFailure = rollback }
    if let stop = policy.bool("stopOnFailure") { release.stopOnFailure = stop }
    if let n = policy.int("parallelism", in: 1...64) { release.parallelism = n }
    return heal
  }

  /// A dependency waited for as healthy must be a declared container with a healthcheck: its name and `healthyWithin`
  /// go on the gate.
  static func resolvingHealthGates(_ resources: [Resource], issues: IssueList) -> [Resource] {
    guard resources.indices.contains(where: { !resources[$0].healthGates.isEmpty }) else { return resources }
    let byID = Dictionary(resources.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    return resources.map { r in
      guard !r.healthGates.isEmpty else { return r }
      var out = r
      out.healthGates = r.healthGates.compactMap { gate in
        let subject = "\(r.origin.path) '\(r.id)'"
        guard let dep = byID[gate.id] else { return nil }  // an undeclared dependency is reported with the graph
        guard let container = dep.spec as? ContainerSpec else {
          issues.add(ManifestIssue(file: r.origin.file, subject: subject, message: "dependsOn: condition 'healthy' is for containers; '\(gate.id)' is not one"))
          return nil
        }
        guard container.healthcheck != nil else {
          issues.add(
            ManifestIssue(
              file: r.origin.file, subject: subject,
              message: "dependsOn: '\(gate.id)' has no healthcheck, so it cannot be waited for as healthy (give it one, or drop \"condition\": \"healthy\")"))
          return nil
        }
        return HealthGate(id: gate.id, locator: container.locator, within: container.healthyWithin)
      }
      return out
    }
  }

  /// Tells each container which managed sites reach it on its network, and each service which reach its tasks
  /// (`ContainerRoute`).
  static func routingContainers(_ resources: [Resource]) -> [Resource] {
    // The spec's type is compared before any cast: a cast of each of 10,000 resources costs a millisecond.
    let routes = Dictionary(
      grouping: resources.indices.flatMap { i in type(of: resources[i].spec) == SiteSpec.self ? (resources[i].spec as! SiteSpec).containerRoutes : [] },
      by: \.container)
    guard !routes.isEmpty else { return resources }
    return resources.map { r in
      guard let mine = routes[r.id] else { return r }
      if var service = r.spec as? ServiceSpec {
        service.routes = mine.uniqued()
        return r.replacing(spec: service)
      }
      guard var container = r.spec as? ContainerSpec else { return r }
      container.routes = mine.uniqued()
      return r.replacing(spec: container)
    }
  }

  /// A canary or blue-green moves a managed proxy's traffic between two containers at once: the container must be
  /// routed to on its network by a managed site and publish no host port (two containers cannot publish the same one).
  static func checkRollouts(_ resources: [Resource], issues: IssueList) {
    for i in resources.indices where type(of: resources[i].spec) == ContainerSpec.self {
      let r = resources[i], c = r.spec as! ContainerSpec
      guard let rollout = c.rollout else { continue }
      if c.replicas > 1 {
        issues.add(
          ManifestIssue(
            file: r.origin.file, subject: "\(r.origin.path) '\(r.id)'", path: "update.strategy",
            message: "'\(rollout.strategy.rawValue)' runs one new container beside one old one; with \"replicas\" the replacement is rolling (leave \"strategy\" out)"))
      }
      guard !c.switchesTraffic else { continue }
      let why =
        c.ports.isEmpty
        ? "no site routes to it (a route with \"upstream\": \"container/\(c.id.name):PORT\")" : "it publishes host ports (drop \"ports\": the proxy then reaches it on its network)"
      issues.add(
        ManifestIssue(
          file: r.origin.file, subject: "\(r.origin.path) '\(r.id)'", path: "update.strategy",
          message: "'\(rollout.strategy.rawValue)' shifts traffic through a managed proxy (nginx or Caddy) between the old and the new container, but \(why)"))
    }
  }

  /// A top-level list of objects (`alerts`, `verify`), kept raw: they are read once the variables are resolved.
  static func objects(_ reader: inout FieldReader, _ key: String, of what: String, each: String, _ source: ManifestSource) -> [Raw] {
    guard let value = reader.value(key) else { return [] }
    guard case .array(let items) = value else {
      reader.report(key, "expected a list of \(what), got \(value.typeName)")
      return []
    }
    var out: [Raw] = []
    for (i, item) in items.enumerated() {
      if case .object(let o) = item {
        out.append(Raw(file: source.file, directory: source.directory, index: i, object: o))
      } else {
        reader.report("\(key)[\(i)]", "expected \(each), got \(item.typeName)")
      }
    }
    return out
  }

  /// Turns each spec's `dependents` into edges on those resources (X must wait for me → X depends on me).
  static func addingDependents(_ resources: [Resource]) -> [Resource] {
    var extra: [ResourceID: [ResourceID]] = [:]
    for i in resources.indices { for d in resources[i].spec.dependents { extra[d, default: []].append(resources[i].id) } }
    guard !extra.isEmpty else { return resources }
    return resources.map { r in
      guard let more = extra[r.id] else { return r }
      return r.adding(dependencies: more)
    }
  }

  /// The entry with its variables and secrets resolved; nil when it is no longer an object. Problems are reported
  /// against `subject`.
  func resolve(_ raw: Raw, subject: String, interpolator: Interpolator, issues: IssueList) -> [String: JSONValue]? {
    guard raw.mayReference else { return raw.object }
    let resolved = interpolator.resolve(.object(raw.object), path: "") { path, message in
      issues.add(ManifestIssue(file: raw.file, subject: subject, path: path, message: message))
    }
    guard case .object(let object) = resolved else { return nil }
    return object
  }

  func decodeAlerts(_ raws: [Raw], interpolator: Interpolator, issues: IssueList) -> [AlertTarget] {
    var out: [AlertTarget] = []
    for raw in raws {
      let at = "alerts[\(raw.index)]"
      guard let object = resolve(raw, subject: at, interpolator: interpolator, issues: issues) else { continue }
      var r = FieldReader(file: raw.file, subject: at, path: "", object: object, issues: issues)
      guard let target = AlertTarget.decode(&r) else { continue }
      if out.contains(where: { $0.name == target.name }) {
        r.report("name", "alert target '\(target.name)' is declared twice")
        continue
      }
      out.append(target)
    }
    return out
  }

  func parse(_ source: ManifestSource, issues: IssueList) -> [String: JSONValue]? {
    do {
      let value = try JSONParser.parse(Array(source.data), as: Text.self, halving: "resources")
      guard case .object(let o) = value else {
        issues.add(ManifestIssue(file: source.file, message: "expected a JSON object with 'apiVersion' and 'resources', got \(value.typeName)"))
        return nil
      }
      return o
    } catch {
      issues.add(ManifestIssue(file: source.file, message: "not valid JSON: \(error)"))
      return nil
    }
  }

  func resolveVariables(_ raw: [String: (Text, String)], issues: IssueList) -> [String: Text] {
    let secretsOnly = Interpolator(variables: [:], secrets: secrets)
    var out: [String: Text] = [:]
    for (name, (value, file)) in raw {
      out[name] = secretsOnly.resolve(value, path: "variables.\(name)") { path, message in
        issues.add(ManifestIssue(file: file, path: path, message: message))
      }
    }
    return out
  }

  func decodeResource(_ raw: Raw, interpolator: Interpolator, context: DecodeContext, issues: IssueList) -> Resource? {
    let at = (raw.module.map { "module.\($0) " } ?? "") + "resources[\(raw.index)]"
    guard let object = resolve(raw, subject: at, interpolator: interpolator, issues: issues) else { return nil }
    // One reader: its subject names the resource once the kind and name are read.
    var reader = FieldReader(file: raw.file, subject: at, path: "", object: object, issues: issues, directory: raw.directory)
    let kind = reader.string("kind", required: true)
    let name = reader.string("name", required: true)
    guard let kind, let name else { return nil }
    guard let descriptor = registry[kind] else {
      reader.report("kind", "unknown kind '\(kind)'\(Suggestion.hint(for: kind, in: registry.kinds.keys)); known kinds: \(registry.kinds.keys.sorted().joined(separator: ", "))")
      return nil
    }
    guard Self.isValidName(name) else {
      reader.report("name", "expected letters, digits, '.', '_' or '-' (starting with a letter or digit), got '\(name)'")
      return nil
    }
    let id = ResourceID(kind: kind, name: name, module: raw.module)
    reader.named = id
    let selfHeal = reader.bool("selfHeal")
    let (explicit, healthy) = Self.dependencies(&reader, in: id.module)
    let before = issues.items.count
    let spec = descriptor.decode(id, &reader, context)
    reader.finish()
    guard let spec, issues.items.count == before else { return nil }
    var deps = explicit
    for d in spec.implicitDependencies where !deps.contains(d) { deps.append(d) }
    return Resource(
      spec: spec, dependsOn: deps, origin: Origin(file: raw.file, index: raw.index), selfHeal: selfHeal, healthGates: healthy.map { HealthGate(id: $0) })
  }

  /// `dependsOn`: each entry `"kind/name"`, or `{ "resource": "kind/name", "condition": "started" | "healthy" }`.
  /// Returns every dependency and those that must be healthy.
  static func dependencies(_ reader: inout FieldReader, in module: String? = nil) -> ([ResourceID], [ResourceID]) {
    guard let value = reader.value("dependsOn") else { return ([], []) }
    guard case .array(let items) = value else {
      reader.report("dependsOn", "expected a list of \"kind/name\" or { \"resource\": …, \"condition\": … }, got \(value.typeName)")
      return ([], [])
    }
    var all: [ResourceID] = [], healthy: [ResourceID] = []
    for (i, item) in items.enumerated() {
      let text: String?, condition: String?
      switch item {
      case .string(let t):
        (text, condition) = (t.value, nil)
      case .object(let fields):
        var entry = reader.nested(path: "dependsOn[\(i)]", object: fields)
        (text, condition) = (entry.string("resource", required: true), entry.choice("condition", ["started", "healthy"]))
        entry.finish()
      default:
        reader.report("dependsOn[\(i)]", "expected \"kind/name\" or { \"resource\": …, \"condition\": … }, got \(item.typeName)")
        continue
      }
      guard let text else { continue }
      guard let dep = ResourceID(parsing: text, in: module) else {
        reader.report("dependsOn[\(i)]", "expected \"kind/name\", got '\(text)'")
        continue
      }
      all.append(dep)
      if condition == "healthy" { healthy.append(dep) }
    }
    return (all, healthy)
  }

  /// SHA-256 over each file's name and bytes, in order, then the variables given from outside them (by name).
  public static func digest(_ sources: [ManifestSource], overrides: [String: String] = [:]) -> String {
    var h = SHA256()
    for s in sources {
      h.update(s.file)
      h.update([0])
      s.data.withUnsafeBytes { h.update($0) }  // not copied: a manifest of 10,000 resources is 1.5 MB
      h.update([0])
    }
    for (name, value) in overrides.sorted(by: { $0.key < $1.key }) { h.update(Array("--var \(name)=\(value)".utf8) + [0]) }
    return h.finalize().hex
  }
}
