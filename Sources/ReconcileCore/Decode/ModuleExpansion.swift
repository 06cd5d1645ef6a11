import Foundation

/// Module instances: `{ "kind": "module", "name": "staging", "source": "../modules/app", "inputs": { … } }`. A module is
/// a directory of manifest files that declare `inputs` (type, default, description, sensitive), `outputs` and
/// `resources`; each instance's resources are its own (`module.staging/container/app`), see only their inputs
/// (`${input.NAME}`), and refer to each other as `kind/name`. The top level reads an instance's outputs as
/// `${module.staging.url}`.
extension ManifestDecoder {
  struct ExpandedModules {
    var raws: [Raw] = []
    /// Each instance's interpolator (its inputs).
    var interpolators: [String: Interpolator] = [:]
    /// `INSTANCE.OUTPUT` -> value.
    var outputs: [String: Text] = [:]
    /// The files of every module used, tagged with their directory, for the manifest's sources (a saved generation
    /// decodes again from them).
    var sources: [ManifestSource] = []
  }

  /// One declared input.
  struct ModuleInput {
    enum InputType: String { case string, number, boolean }
    var type: InputType
    var defaultValue: Text?
    var sensitive: Bool
  }

  func expandModules(_ instances: [Raw], given: [ManifestSource], interpolator: Interpolator, issues: IssueList) -> ExpandedModules {
    var out = ExpandedModules()
    // Each module is read once, however many instances use it (its mistakes reported once).
    var read: [String: ModuleFiles?] = [:]
    var named: Set<String> = []
    for raw in instances {
      let at = "resources[\(raw.index)]"
      guard let object = resolve(raw, subject: at, interpolator: interpolator, issues: issues) else { continue }
      var head = FieldReader(file: raw.file, subject: at, path: "", object: object, issues: issues)
      guard let name = head.string("name", required: true) else { continue }
      let subject = "\(at) 'module.\(name)'"
      var r = FieldReader(file: raw.file, subject: subject, path: "", object: object, issues: issues, directory: raw.directory)
      r.accept("kind", "name")
      let source = r.string("source", required: true)
      let values = r.value("inputs")
      r.finish()
      guard let source else { continue }
      guard Self.isValidName(name), !name.contains(".") else {
        r.report("name", "expected letters, digits, '_' or '-' (starting with a letter or digit), got '\(name)'")
        continue
      }
      guard named.insert(name).inserted else {
        issues.add(ManifestIssue(file: raw.file, subject: subject, message: "module instance '\(name)' is declared twice"))
        continue
      }
      let directory = r.resolvePath(source)
      let files = self.sources(of: directory, given: given)
      guard let files, !files.isEmpty else {
        r.report("source", "no module in '\(source)' (looked for *.json files in \(directory))")
        continue
      }
      if read[directory] == nil {
        read[directory] = .some(readModule(files, issues: issues))
        out.sources += files
      }
      guard var module = read[directory]! else { continue }
      // Without its inputs the instance's resources would only repeat the error: they are not read.
      guard let inputs = inputValues(module.inputs, given: values, file: raw.file, subject: subject, issues: issues) else { continue }
      var scope = interpolator
      scope.inputs = inputs
      scope.outputs = [:]
      out.interpolators[name] = scope
      for i in module.raws.indices { module.raws[i].module = name }
      out.raws += module.raws
      for (key, raw) in module.outputs.sorted(by: { $0.key < $1.key }) {
        let value = scope.resolve(raw.text, path: "outputs.\(key)") { path, message in
          issues.add(ManifestIssue(file: raw.file, subject: "module.\(name)", path: path, message: message))
        }
        out.outputs["\(name).\(key)"] = Text(value.value, sensitive: value.isSensitive || raw.sensitive)
      }
    }
    return out
  }

  /// The module's files: those the manifests' sources carry for `directory` (a saved generation), else read now.
  func sources(of directory: String, given: [ManifestSource]) -> [ManifestSource]? {
    let carried = given.filter { $0.module == directory }
    if !carried.isEmpty { return carried }
    return context.modules(directory)?.map {
      var s = $0; s.module = directory; return s
    }
  }

  struct ModuleFiles {
    var inputs: [String: ModuleInput] = [:]
    var outputs: [String: (text: Text, sensitive: Bool, file: String)] = [:]
    var raws: [Raw] = []
  }

  /// Reads a module's files: each may declare inputs, outputs and resources; nothing the top level alone sets.
  func readModule(_ files: [ManifestSource], issues: IssueList) -> ModuleFiles? {
    var module = ModuleFiles()
    let before = issues.items.count
    for source in files {
      guard let top = parse(source, issues: issues) else { continue }
      var reader = FieldReader(file: source.file, subject: "", path: "", object: top, issues: issues, directory: source.directory)
      reader.accept("$schema")
      if let v = reader.string("apiVersion", required: true), v != Self.apiVersion {
        reader.report("apiVersion", "expected '\(Self.apiVersion)', got '\(v)'")
      }
      for key in ["project", "variables", "policy", "verify", "alerts"] where top[key] != nil {
        reader.accept(key)
        reader.report(key, "'\(key)' is set by the top-level manifests, not by a module")
      }
      if var declared = reader.object("inputs") {
        for key in declared.object.keys.sorted() {
          guard var d = declared.object(key) else { continue }
          let type = d.choice("type", ["string", "number", "boolean"]).flatMap(ModuleInput.InputType.init) ?? .string
          let defaultValue = d.value("default").flatMap { Self.inputText($0, type: type) { d.report("default", $0) } }
          _ = d.string("description")
          let sensitive = d.bool("sensitive") ?? false
          d.finish()
          if module.inputs[key] != nil { declared.report(key, "input '\(key)' is declared twice in the module's files") }
          module.inputs[key] = ModuleInput(type: type, defaultValue: defaultValue.map { Text($0.value, sensitive: sensitive) }, sensitive: sensitive)
        }
        declared.finish()
      }
      if var outputs = reader.object("outputs") {
        for (key, value) in outputs.object.sorted(by: { $0.key < $1.key }) {
          switch value {
          case .string(let t):
            outputs.accept(key)
            module.outputs[key] = (t, false, source.file)
          case .object:
            guard var o = outputs.object(key) else { continue }
            let text = o.text("value", required: true)
            _ = o.string("description")
            let sensitive = o.bool("sensitive") ?? false
            o.finish()
            if let text { module.outputs[key] = (text, sensitive, source.file) }
          default:
            outputs.accept(key)
            outputs.report(key, "expected a string or { \"value\": …, \"description\": … }, got \(value.typeName)")
          }
        }
        outputs.finish()
      }
      if case .array(let items)? = reader.value("resources") {
        for (i, item) in items.enumerated() {
          guard case .object(let o) = item else {
            issues.add(ManifestIssue(file: source.file, subject: "resources[\(i)]", message: "expected an object, got \(item.typeName)"))
            continue
          }
          let raw = Raw(file: source.file, directory: source.directory, index: i, object: o)
          if raw.isModule {
            issues.add(ManifestIssue(file: source.file, subject: "resources[\(i)]", message: "modules cannot declare modules (yet): declare it at the top level"))
            continue
          }
          module.raws.append(raw)
        }
      } else if let v = top["resources"] {
        reader.report("resources", "expected a list of resources, got \(v.typeName)")
      }
      reader.finish()
    }
    return issues.items.count == before ? module : nil
  }

  /// The instance's input values: each given one declared and of its type, the others from their defaults; an input
  /// without a default must be given.
  func inputValues(_ declared: [String: ModuleInput], given: JSONValue?, file: String, subject: String, issues: IssueList) -> [String: Text]? {
    let before = issues.items.count
    func report(_ path: String, _ message: String) { issues.add(ManifestIssue(file: file, subject: subject, path: path, message: message)) }
    var values: [String: Text] = [:]
    var fields: [String: JSONValue] = [:]
    switch given {
    case .object(let f)?: fields = f
    case nil, .null?: break
    case let other?: report("inputs", "expected an object of input values, got \(other.typeName)")
    }
    for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
      guard let d = declared[key] else {
        report("inputs.\(key)", "the module has no input '\(key)'\(Suggestion.hint(for: key, in: declared.keys))")
        continue
      }
      if let t = Self.inputText(value, type: d.type, report: { report("inputs.\(key)", $0) }) { values[key] = Text(t.value, sensitive: t.isSensitive || d.sensitive) }
    }
    for (key, d) in declared.sorted(by: { $0.key < $1.key }) where values[key] == nil {
      if let v = d.defaultValue { values[key] = v } else { report("inputs", "input '\(key)' has no default: give it a value") }
    }
    return issues.items.count == before ? values : nil
  }

  /// An input's value as text, checked against its type (a number or boolean may come as the string a variable gave).
  static func inputText(_ value: JSONValue, type: ModuleInput.InputType, report: (String) -> Void) -> Text? {
    switch (type, value) {
    case (.string, .string(let t)): return t
    case (.number, .number), (.boolean, .bool): return Text(value.quoted)
    case (.number, .string(let t)) where Double(t.value) != nil: return t
    case (.boolean, .string(let t)) where t.value == "true" || t.value == "false": return t
    default:
      report("expected a \(type.rawValue), got \(value.quoted)")
      return nil
    }
  }
}

extension ManifestDecoder.Raw {
  /// `"kind": "module"`: an instance of a module, expanded before the resources are decoded.
  var isModule: Bool {
    if case .string(let k)? = object["kind"] { return k.value == "module" }
    return false
  }
}
