import Foundation

/// Where `${secret.NAME}` values come from; built by the CLI from an env file, the environment and a secrets directory.
public protocol SecretLookup: Sendable {
  func secret(named name: String) -> String?
  /// Where it looked, for the error when a secret is missing: `.env, the environment and secrets/`.
  var searchedPlaces: String { get }
}

/// A lookup with fixed values, for tests and tools.
public struct FixedSecrets: SecretLookup {
  public var values: [String: String]
  public init(_ values: [String: String] = [:]) { self.values = values }
  public func secret(named name: String) -> String? { values[name] }
  public var searchedPlaces: String { "the given values" }
}

/// Replaces `${var.NAME}`, `${secret.NAME}` and `${reconcile.NAME}` (`DecodeContext.invocation`) in strings, and
/// `${module.INSTANCE.OUTPUT}` at the top level or `${input.NAME}` inside a module; `$${` stays a literal `${`.
public struct Interpolator: Sendable {
  public var variables: [String: Text]
  public var secrets: any SecretLookup
  public var invocation: [String: String] = [:]
  /// A module's inputs: set inside a module instance, whose files see these instead of the variables.
  public var inputs: [String: Text]?
  /// The module instances' outputs, `INSTANCE.OUTPUT`, for the top level.
  public var outputs: [String: Text] = [:]

  /// The fewest bytes a secret may have (8).
  public static let shortestSecret = 8

  public init(variables: [String: Text], secrets: any SecretLookup) {
    self.variables = variables
    self.secrets = secrets
  }

  /// Interpolates every string inside `value`; `report` receives (json path, message) for each bad reference.
  public func resolve(_ value: JSONValue, path: String, report: (String, String) -> Void) -> JSONValue {
    // Most values reference nothing: returned as they are, without a path built for every member.
    guard Self.mayReference(value) else { return value }
    switch value {
    case .string(let t):
      return .string(resolve(t, path: path, report: report))
    case .array(let items):
      return .array(items.enumerated().map { resolve($1, path: "\(path)[\($0)]", report: report) })
    case .object(let fields):
      var out: [String: JSONValue] = [:]
      for (k, v) in fields { out[k] = resolve(v, path: path.isEmpty ? k : "\(path).\(k)", report: report) }
      return .object(out)
    default:
      return value
    }
  }

  /// Whether any string inside `value` holds `${`.
  static func mayReference(_ value: JSONValue) -> Bool {
    switch value {
    case .string(let t): mayReference(t.value)
    case .array(let items): items.contains(where: mayReference)
    case .object(let fields): fields.values.contains(where: mayReference)
    default: false
    }
  }

  /// Whether `s` holds `${` anywhere.
  static func mayReference(_ s: String) -> Bool {
    var s = s
    return s.withUTF8 { mayReference(bytes: UnsafeRawBufferPointer($0)) }
  }

  /// Whether `bytes` (a string's, or a whole manifest file's) hold `${` anywhere: each `$` found by `memchr`.
  static func mayReference(bytes: UnsafeRawBufferPointer) -> Bool {
    guard let base = bytes.baseAddress else { return false }
    var at = 0
    while at < bytes.count, let dollar = memchr(base + at, Int32(UInt8(ascii: "$")), bytes.count - at) {
      at = base.distance(to: UnsafeRawPointer(dollar)) + 1
      if at < bytes.count, bytes[at] == UInt8(ascii: "{") { return true }
    }
    return false
  }

  public func resolve(_ text: Text, path: String, report: (String, String) -> Void) -> Text {
    // A byte scan: `contains("${")` is Foundation's `range(of:)`, a tenth of reading 10,000 resources.
    guard Self.mayReference(text.value) else { return text }
    var out = ""
    var sensitive = text.isSensitive
    var rest = Substring(text.value)
    while let start = rest.range(of: "${") {
      let before = rest[..<start.lowerBound]
      if before.hasSuffix("$") {
        out += before.dropLast() + "${"
        rest = rest[start.upperBound...]
        continue
      }
      out += before
      guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
        report(path, "unterminated reference '\(rest[start.lowerBound...])': expected '}'")
        return Text(out, sensitive: sensitive)
      }
      let ref = String(rest[start.upperBound..<end])
      rest = rest[rest.index(after: end)...]
      if ref.hasPrefix("input.") || ref.hasPrefix("module.") || (ref.hasPrefix("var.") && inputs != nil) {
        if let v = scoped(ref, path: path, report: report) {
          out += v.value
          sensitive = sensitive || v.isSensitive
        }
      } else if ref.hasPrefix("var.") {
        let name = String(ref.dropFirst(4))
        if let v = variables[name] {
          out += v.value
          sensitive = sensitive || v.isSensitive
        } else {
          report(path, "variable '\(name)' is not defined\(Suggestion.hint(for: name, in: variables.keys))")
        }
      } else if ref.hasPrefix("secret.") {
        let name = String(ref.dropFirst(7))
        if let v = secrets.secret(named: name) {
          // A short secret cannot be kept out of outputs: redacting 'abc' would also mangle ordinary words around it,
          // and give the value away.
          if v.utf8.count < Self.shortestSecret {
            report(path, "secret '\(name)' is \(v.utf8.count) byte\(v.utf8.count == 1 ? "" : "s") long; a secret must have at least \(Self.shortestSecret)")
          }
          out += v
          sensitive = true
        } else {
          report(path, "secret '\(name)' is not set (looked in \(secrets.searchedPlaces))")
        }
      } else if ref.hasPrefix("reconcile.") {
        let name = String(ref.dropFirst("reconcile.".count))
        if let v = invocation[name] {
          out += v
        } else {
          report(path, "'${\(ref)}' is not known: expected one of \(invocation.keys.sorted().map { "${reconcile.\($0)}" }.joined(separator: ", "))")
        }
      } else {
        report(path, "unknown reference '${\(ref)}': expected ${var.NAME}, ${secret.NAME}, ${reconcile.NAME}, ${module.INSTANCE.OUTPUT} or ${input.NAME} (in a module)")
      }
    }
    out += rest
    return Text(out, sensitive: sensitive)
  }

  /// `${input.NAME}` (a module's own files), `${module.INSTANCE.OUTPUT}` (the top level); a module's files see no
  /// variables: what they need comes in as inputs.
  func scoped(_ ref: String, path: String, report: (String, String) -> Void) -> Text? {
    let (prefix, values, unknown) =
      inputs.map { ("input.", $0, "is not declared in the module's inputs") } ?? ("module.", outputs, "is not an output of a declared module instance")
    guard ref.hasPrefix(prefix) else {
      report(
        path,
        inputs == nil
          ? "'${\(ref)}' is for a module's own files; at the top level use ${var.NAME}"
          : "'${\(ref)}': a module's files see only their inputs (${input.NAME}); pass the value as an input")
      return nil
    }
    let key = String(ref.dropFirst(prefix.count))
    guard let v = values[key] else {
      report(path, (inputs == nil ? "'${\(ref)}'" : "input '\(key)'") + " \(unknown)\(Suggestion.hint(for: key, in: values.keys))")
      return nil
    }
    return v
  }
}
