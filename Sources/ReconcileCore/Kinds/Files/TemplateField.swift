/// Reads a `template` field (`{"template": "motd.mustache", "vars": {...}}` or `{"template": {"name": ..., "vars": ..., "escape": ...}}`)
/// and renders it. The result is sensitive when any variable came from a secret.
enum TemplateField {
  static func render(_ r: inout FieldReader, context: DecodeContext) -> Text? {
    guard let raw = r.value("template") else { return nil }
    var name: String?
    var vars: JSONValue = .object([:])
    var escaping = TemplateEscaping.none
    switch raw {
    case .string(let t):
      name = t.value
    case .object:
      guard var t = r.object("template") else { return nil }
      name = t.string("name", required: true)
      vars = t.value("vars") ?? .object([:])
      if let e = t.choice("escape", ["none", "html"]) { escaping = TemplateEscaping(rawValue: e) ?? .none }
      t.finish()
    default:
      r.report("template", "expected a template name or an object with 'name' and 'vars', got \(raw.typeName)")
      return nil
    }
    guard let name else { return nil }
    guard let (text, file) = context.templates.load(name) else {
      r.report("template", "template '\(name)' was not found in the templates directories")
      return nil
    }
    var sensitive = false
    guard case .object(let values) = templateValue(vars, sensitive: &sensitive) else {
      r.report("template.vars", "expected an object, got \(vars.typeName)")
      return nil
    }
    do {
      let template = try Template(parsing: text, file: file)
      return Text(try template.render(values, escaping: escaping, partials: context.templates), sensitive: sensitive)
    } catch {
      r.report("template", "\(error)")
      return nil
    }
  }

  static func templateValue(_ v: JSONValue, sensitive: inout Bool) -> TemplateValue {
    switch v {
    case .null: return .bool(false)
    case .bool(let b): return .bool(b)
    case .number: return .text(v.quoted)
    case .string(let t):
      sensitive = sensitive || t.isSensitive
      return .text(t.value)
    case .array(let a): return .list(a.map { templateValue($0, sensitive: &sensitive) })
    case .object(let o): return .object(o.mapValues { templateValue($0, sensitive: &sensitive) })
    }
  }
}
