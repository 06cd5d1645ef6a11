import Foundation
import ReconcileCore
import ReconcileDrivers
import ReconcileRuntime
import Essentials

/// Records which secrets were looked up, so their values can be redacted from every output.
final class SecretUsage: SecretLookup, @unchecked Sendable {
  let base: SecretSources
  private let lock = NSLock()
  private var values: Set<String> = []

  init(_ base: SecretSources) { self.base = base }

  func secret(named name: String) -> String? {
    let v = base.secret(named: name)
    if let v {
      lock.lock()
      values.insert(v)
      lock.unlock()
    }
    return v
  }

  var searchedPlaces: String { base.searchedPlaces }

  var redactor: Redactor {
    lock.lock()
    defer { lock.unlock() }
    return Redactor(secrets: values)
  }
}

/// Everything a command works on: the manifests, the state store and the host, wired from the global options.
struct Workspace {
  let manifestPath: String
  let store: JSONStateStore
  let secrets: SecretUsage
  let templates: TemplateDirectories
  let drivers: DriverSet
  let registry: KindRegistry
  /// `--environment NAME`: its variables file, its own state directory (`state/NAME`) and project.
  let environment: String?
  /// The variables given from outside the manifests, in the order they apply.
  let overrides: [ManifestDecoder.VariableOverride]

  static let globalValues: Set<String> = ["manifests", "state", "env-file", "secrets-dir", "templates", "environment", "var", "var-file"]

  init(_ args: Arguments) throws {
    let env = ProcessInfo.processInfo.environment
    manifestPath = args.value("manifests") ?? "manifests"
    let base = ManifestFiles.baseDirectory(of: manifestPath)
    environment = args.value("environment")
    if let environment, !Project.isValidName(environment) {
      throw OperationError("--environment expects a name of lower-case letters, digits, '-' or '_', got '\(environment)'")
    }
    store = JSONStateStore(directory: args.value("state") ?? environment.map { "state/\($0)" } ?? "state")
    overrides = try Self.overrides(args, base: base)
    let envFile = args.value("env-file") ?? "\(base)/.env"
    if args.value("env-file") != nil, !FileManager.default.fileExists(atPath: envFile) {
      throw OperationError("the env file '\(envFile)' does not exist")
    }
    secrets = SecretUsage(try SecretSources(environment: env, envFile: envFile, directory: args.value("secrets-dir") ?? "\(base)/secrets"))
    // The project's own templates/ sits beside its manifests/ directory: found from any working directory.
    let project = PathText.parent(base)
    templates = TemplateDirectories(args.values("templates") + ["\(base)/templates", "\(project.isEmpty ? "." : project)/templates", "templates"])
    registry = Composition.registry
    // A scheduled run (a job's, a backup's) reads the manifests as this one did: the same variables and environment.
    var options = JobPaths.options(templates: args.values("templates"), envFile: args.value("env-file"), secretsDir: args.value("secrets-dir"))
    if let environment { options += ["--environment", environment] }
    for f in args.values("var-file") { options += ["--var-file", JobPaths.absolute(f)] }
    for v in args.values("var") { options += ["--var", v] }
    drivers = Composition.drivers(environment: env, manifests: manifestPath, state: store.directory, options: options) { [secrets] in secrets.redactor }
  }

  /// Reads and validates the manifests; throws `ManifestErrors` with every problem.
  /// `${reconcile.NAME}`: this binary, the manifests and state directory as absolute paths, the engine's address.
  var invocation: [String: String] {
    let cwd = FileManager.default.currentDirectoryPath
    func absolute(_ p: String) -> String { ((p.hasPrefix("/") ? p : (cwd as NSString).appendingPathComponent(p)) as NSString).standardizingPath }
    let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? absolute(CommandLine.arguments[0])
    return [
      "binary": binary, "manifests": absolute(manifestPath), "state": absolute(store.directory),
      "dockerHost": ProcessInfo.processInfo.environment["DOCKER_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "unix:///var/run/docker.sock",
    ]
  }

  func manifest() throws -> Manifest {
    let sources = try ManifestFiles.read(manifestPath, excluding: store.directory)
    let base = ManifestFiles.baseDirectory(of: manifestPath)
    let revision = Locked<String??>(nil)
    let context = DecodeContext(
      templates: templates,
      revision: {
        revision.withLock { known in
          if let known { return known }
          known = .some(ProcessRunner.gitRevision(of: base))
          return known!
        }
      }, invocation: invocation, modules: { try? ManifestFiles.read($0) })
    var decoder = ManifestDecoder(registry: registry, secrets: secrets, context: context)
    decoder.overrides = overrides
    return scoped(try decoder.decode(sources))
  }

  /// Each environment is a project of its own on a shared engine, a declared project name too (`shop-staging`).
  func scoped(_ m: Manifest) -> Manifest {
    guard let environment, let declared = m.project else { return m }
    return m.renamed(project: "\(declared)-\(environment)")
  }

  /// `--environment NAME` reads `environments/NAME.json` beside the manifests' directory, then each `--var-file`,
  /// then each `--var NAME=VALUE`: later values win. A file is a JSON object of names to strings (numbers and booleans
  /// as they are written).
  static func overrides(_ args: Arguments, base: String) throws -> [ManifestDecoder.VariableOverride] {
    var out: [ManifestDecoder.VariableOverride] = []
    func file(_ path: String, what: String) throws {
      guard let data = FileManager.default.contents(atPath: path) else { throw OperationError("\(what) '\(path)' does not exist") }
      guard case .object(let object)? = try? JSONParser.parse(Array(data), as: String.self) else {
        throw OperationError("\(what) '\(path)' is not a JSON object of variable names to values")
      }
      for (name, value) in object.sorted(by: { $0.key < $1.key }) {
        let text: String
        switch value {
        case .string(let s): text = s
        case .bool(let b): text = b ? "true" : "false"
        case .number(let n): text = n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
        default: throw OperationError("\(what) '\(path)': variable '\(name)' must be a string, a number or a boolean")
        }
        out.append(.init(name: name, value: text, origin: path))
      }
    }
    if let environment = args.value("environment") {
      let project = PathText.parent(base)
      try file("\(project.isEmpty ? "." : project)/environments/\(environment).json", what: "the environment file")
    }
    for path in args.values("var-file") { try file(path, what: "the variables file") }
    for given in args.values("var") {
      guard let eq = given.firstIndex(of: "="), eq != given.startIndex else { throw OperationError("--var expects NAME=VALUE, got '\(given)'") }
      out.append(.init(name: String(given[..<eq]), value: String(given[given.index(after: eq)...]), origin: "--var"))
    }
    return out
  }

  /// The record form keyed by the state's key. `readOnly` (plan, status, drift): nothing is created, neither the state
  /// directory nor the key.
  func form(readOnly: Bool = false) throws -> RecordForm {
    if !readOnly { try store.prepare() }
    return RecordForm(hasher: HMACSHA256(key: try store.secretKey(create: !readOnly)))
  }

  /// A read-only look: the manifests, the state (with an interrupted apply's journal folded in, not saved),
  /// what is observed and the plan. Takes no lock and changes nothing on the host.
  struct Look {
    var manifest: Manifest
    var form: RecordForm
    var state: StateSnapshot
    var observed: ObservedState
    var plan: Plan
  }

  /// The workspace the global options name, and a look at it: how `plan` and `drift` begin.
  static func look(_ args: Arguments) async throws -> (Workspace, Look) {
    let ws = try Workspace(args)
    // The state is read while the manifests are decoded (a fifth and a third of a no-op plan of 10,000 files).
    let store = ws.store
    async let loaded = store.load()
    let manifest = try ws.manifest()
    let form = try ws.form(readOnly: true)
    var state = try await loaded
    _ = ws.store.recover(into: &state)
    let (plan, observed) = try await ws.plan(manifest, state: state, form: form, args: args)
    return (ws, Look(manifest: manifest, form: form, state: state, observed: observed, plan: plan))
  }

  /// `terminal`, redacting the secrets the manifests use (those known so far).
  func redacting(_ terminal: Terminal) -> Terminal { Terminal(copying: terminal, redactor: secrets.redactor) }

  /// Observes every desired resource and every recorded one.
  func observe(_ manifest: Manifest, state: StateSnapshot) async throws -> ObservedState {
    try await drivers.observe(ObserveTarget.all(for: manifest, recorded: state))
  }

  /// Observe, then plan (pure), then narrow to `--target` / `--exclude`.
  func plan(_ manifest: Manifest, state recorded: StateSnapshot, form: RecordForm, args: Arguments) async throws -> (Plan, ObservedState) {
    // Resources at a new address are planned from their records there (apply moves them).
    let moves = ResourceMove.moves(for: manifest, in: recorded)
    let state = recorded.applying(moves)
    let observed = try await observe(manifest, state: state)
    let options = PlanOptions(pruneKinds: args.has("prune-volumes") ? ["volume"] : [])
    var plan = Planner(registry: registry, form: form).plan(manifest, observed: observed, state: state, options: options, now: Date())
    let targets = try parseIDs(args.values("target"), manifest: manifest, state: state, option: "target")
    let excludes = try parseIDs(args.values("exclude"), manifest: manifest, state: state, option: "exclude")
    plan = PlanFilter(manifest: manifest, state: state).narrow(plan, targets: targets, excludes: excludes)
    plan.moves = moves
    return (plan, observed)
  }

  func parseIDs(_ raw: [String], manifest: Manifest, state: StateSnapshot, option: String) throws -> [ResourceID] {
    try raw.map { text in
      guard let id = ResourceID(parsing: text) else { throw OperationError("--\(option): expected kind/name, got '\(text)'") }
      guard manifest.contains(id) || state.resources[id] != nil else {
        let known = manifest.resources.map(\.id.description) + state.resources.keys.map(\.description)
        throw OperationError("--\(option): '\(id)' is neither in the manifests nor in the state\(Suggestion.hint(for: text, in: known))")
      }
      return id
    }
  }
}
