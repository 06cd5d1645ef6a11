import Essentials
import Foundation

/// Reads one JSON object of a manifest with typed getters, reporting each problem with its path.
/// Every getter marks its key as known, so `finish()` can flag unknown keys with a suggestion.
public struct FieldReader {
  public let file: String
  /// What problems are reported against: `resources[3] 'file/motd'`, the resource's address added once it is known
  /// (`named`), and put into words only for a report (not once for each of 10,000 resources).
  public var subject: String { named.map { "\(at) '\($0)'" } ?? at }
  let at: String
  /// The resource this object declares or belongs to, once its kind and name are read.
  public var named: ResourceID?
  public let path: String
  public let object: [String: JSONValue]
  let issues: IssueList
  /// Where relative paths resolve: the manifest file's absolute directory when the reader of the files knows it.
  let directory: String?
  /// A few keys per object: a list is faster to keep than a set (hashing each key was a twentieth of decoding).
  private var known: [String] = []

  /// Set in probe mode: getters note what they read there and answer stand-ins (`SchemaProbe`).
  var probe: SchemaProbe?

  /// A reader that records what a decoder asks for instead of reading (see `SchemaProbe`).
  public init(probing probe: SchemaProbe) {
    self.init(file: "", subject: "", path: "", object: [:], issues: IssueList())
    self.probe = probe
    probe.enter()
  }

  public init(file: String, subject: String, path: String, object: [String: JSONValue], issues: IssueList, directory: String? = nil) {
    self.file = file
    self.at = subject
    self.path = path
    self.object = object
    self.issues = issues
    self.directory = directory
    known.reserveCapacity(16)  // one allocation for the keys of a resource, not one per doubling
  }

  /// Reports a problem at `key` (or at this object when nil).
  public func report(_ key: String?, _ message: String) {
    issues.add(ManifestIssue(file: file, subject: subject, path: join(key), message: message))
  }

  func join(_ key: String?) -> String {
    guard let key else { return path }
    if key.hasPrefix("[") { return path + key }
    return path.isEmpty ? key : "\(path).\(key)"
  }

  /// Marks keys as known without reading them (read elsewhere).
  public mutating func accept(_ keys: String...) {
    known += keys
    probe?.accept(keys)
  }

  public mutating func value(_ key: String, required: Bool = false) -> JSONValue? {
    if let probe {
      probe.note(key, .any, required: required)
      return nil
    }
    known.append(key)
    guard let v = object[key], !v.isNull else {
      if required { report(key, "is required") }
      return nil
    }
    return v
  }

  /// A string that may carry a secret.
  public mutating func text(_ key: String, required: Bool = false) -> Text? {
    if let probe {
      probe.note(key, .string(secret: true), required: required)
      return Text("x")
    }
    guard let v = value(key, required: required) else { return nil }
    switch v {
    case .string(let t): return t
    case .number, .bool: return Text(v.quoted)
    default:
      report(key, "expected a string, got \(v.typeName)")
      return nil
    }
  }

  /// A string where secrets are not allowed (paths, names, modes).
  public mutating func string(_ key: String, required: Bool = false) -> String? {
    if let probe {
      probe.note(key, .string(secret: false), required: required)
      return "x"
    }
    guard let t = text(key, required: required) else { return nil }
    if t.isSensitive {
      report(key, "secrets are not allowed here")
      return nil
    }
    return t.value
  }

  public mutating func bool(_ key: String) -> Bool? {
    if let probe {
      probe.note(key, .bool, required: false)
      return probe.flag
    }
    guard let v = value(key) else { return nil }
    if case .bool(let b) = v { return b }
    report(key, "expected true or false, got \(v.quoted)")
    return nil
  }

  public mutating func int(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max) -> Int? {
    if let probe {
      probe.note(key, .integer(range), required: false)
      return min(max(1, range.lowerBound), range.upperBound)
    }
    guard let v = value(key) else { return nil }
    // `Int(exactly:)`: a number no Int can hold (1e19) is an error like any other, never a trap.
    if case .number(let n) = v, let i = Int(exactly: n), range.contains(i) { return i }
    report(key, "expected a whole number in \(range.lowerBound)...\(range.upperBound), got \(v.quoted)")
    return nil
  }

  /// A number within `range` (finite), from a JSON number or a string holding one.
  public mutating func number(_ key: String, in range: ClosedRange<Double>) -> Double? {
    if let probe {
      probe.note(key, .number(range), required: false)
      return min(max(1, range.lowerBound), range.upperBound)
    }
    guard let v = value(key) else { return nil }
    var n: Double?
    if case .number(let x) = v { n = x }
    if case .string(let t) = v, !t.isSensitive { n = Double(t.value) }
    if let n, n.isFinite, range.contains(n) { return n }
    report(key, "expected a number in \(Self.shown(range.lowerBound))...\(Self.shown(range.upperBound)), got \(v.quoted)")
    return nil
  }

  static func shown(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }

  /// One of a fixed set of words.
  public mutating func choice(_ key: String, _ allowed: [String]) -> String? {
    if let probe {
      probe.note(key, .choice(allowed), required: false)
      return probe.pick(allowed)
    }
    guard let s = string(key) else { return nil }
    if allowed.contains(s) { return s }
    let list = allowed.map { "'\($0)'" }.joined(separator: ", ")
    report(key, "expected one of \(list), got '\(s)'\(Suggestion.hint(for: s, in: allowed))")
    return nil
  }

  /// A list of strings that may carry secrets.
  public mutating func texts(_ key: String) -> [Text]? {
    if let probe {
      probe.note(key, .strings(secret: true), required: false)
      return [Text("x")]
    }
    return list(key, of: "strings", each: "a string") { item -> Text? in
      guard case .string(let t) = item else { return nil }
      return t
    }?.map(\.item)
  }

  /// The list under `key`: each item that `convert` accepts, with its index; the others are reported as not
  /// `each`, and a value that is no list as not a list of `of`.
  mutating func list<Item>(_ key: String, of: String, each: String, _ convert: (JSONValue) -> Item?) -> [(index: Int, item: Item)]? {
    if let probe {
      probe.note(key, .any, required: false)
      return nil
    }
    guard let v = value(key) else { return nil }
    guard case .array(let items) = v else {
      report(key, "expected a list of \(of), got \(v.typeName)")
      return nil
    }
    var out: [(index: Int, item: Item)] = []
    for (i, value) in items.enumerated() {
      guard let item = convert(value) else {
        report("\(key)[\(i)]", "expected \(each), got \(value.typeName)")
        continue
      }
      out.append((i, item))
    }
    return out
  }

  /// A list of strings where secrets are not allowed.
  public mutating func strings(_ key: String) -> [String]? {
    if let probe {
      probe.note(key, .strings(secret: false), required: false)
      return ["x"]
    }
    guard let ts = texts(key) else { return nil }
    if ts.contains(where: \.isSensitive) { report(key, "secrets are not allowed here") }
    return ts.map(\.value)
  }

  /// An object of string values (environment, labels); values may carry secrets.
  public mutating func textMap(_ key: String) -> [String: Text]? {
    if let probe {
      probe.note(key, .stringMap, required: false)
      return ["x": Text("x")]
    }
    guard let v = value(key) else { return nil }
    guard case .object(let fields) = v else {
      report(key, "expected an object of strings, got \(v.typeName)")
      return nil
    }
    var out: [String: Text] = [:]
    for (k, item) in fields {
      switch item {
      case .string(let t): out[k] = t
      case .number, .bool: out[k] = Text(item.quoted)
      default: report("\(key).\(k)", "expected a string, got \(item.typeName)")
      }
    }
    return out
  }

  /// A nested object, read by its own reader (call `finish()` on it).
  public mutating func object(_ key: String, required: Bool = false) -> FieldReader? {
    if let probe {
      let nested = probe.note(key, .object(SchemaProbe(depth: probe.depth + 1)), required: required)
      return probe.present ? nested.map { FieldReader(probing: $0) } : nil
    }
    guard let v = value(key, required: required) else { return nil }
    guard case .object(let fields) = v else {
      report(key, "expected an object, got \(v.typeName)")
      return nil
    }
    return nested(path: join(key), object: fields)
  }

  /// A reader of an object inside this one, reporting against the same subject.
  func nested(path: String, object: [String: JSONValue]) -> FieldReader {
    var r = FieldReader(file: file, subject: at, path: path, object: object, issues: issues, directory: directory)
    r.named = named
    return r
  }

  /// A list of objects, each with its own reader.
  public mutating func objects(_ key: String) -> [FieldReader]? {
    if let probe {
      let nested = probe.note(key, .objects(SchemaProbe(depth: probe.depth + 1)), required: false)
      return probe.present ? nested.map { [FieldReader(probing: $0)] } : nil
    }
    let items = list(key, of: "objects", each: "an object") { item -> [String: JSONValue]? in
      guard case .object(let fields) = item else { return nil }
      return fields
    }
    return items?.map { nested(path: join("\(key)[\($0.index)]"), object: $0.item) }
  }

  /// A duration such as `30s`, `5m`, `1h30m`, `250ms`; returns seconds.
  public mutating func duration(_ key: String) -> Double? {
    if let probe {
      probe.note(key, .duration, required: false)
      return 1
    }
    guard let s = string(key) else { return nil }
    guard let d = Self.parseDuration(s) else {
      report(key, "expected a duration like \"30s\", \"5m\" or \"1h30m\", got '\(s)'")
      return nil
    }
    guard d <= Self.longestDuration else {
      report(key, "expected a duration of at most 100 years, got '\(s)'")
      return nil
    }
    return d
  }

  /// The longest duration any field takes (100 years): every duration in seconds, milliseconds or nanoseconds then
  /// fits the integers the Engine, systemd and the clocks use.
  public static let longestDuration: Double = 100 * 365 * 86400

  public static func parseDuration(_ s: String) -> Double? {
    var total = 0.0, digits = "", i = s.startIndex, sawUnit = false
    while i < s.endIndex {
      let c = s[i]
      if c.isNumber || c == "." {
        digits.append(c)
        i = s.index(after: i)
        continue
      }
      var unit = String(c)
      let next = s.index(after: i)
      if c == "m", next < s.endIndex, s[next] == "s" { unit = "ms" }
      guard let n = Double(digits) else { return nil }
      switch unit {
      case "ms": total += n / 1000
      case "s": total += n
      case "m": total += n * 60
      case "h": total += n * 3600
      case "d": total += n * 86400
      default: return nil
      }
      digits = ""
      sawUnit = true
      i = s.index(i, offsetBy: unit.count)
    }
    return digits.isEmpty && sawUnit ? total : nil
  }

  /// A path relative to the manifest file's directory, made absolute (the same from any working directory when the
  /// files were read with their absolute directory).
  public func resolvePath(_ p: String) -> String {
    if p.hasPrefix("/") { return (p as NSString).standardizingPath }
    let dir = directory ?? PathText.parent(file)
    return (((dir.isEmpty ? "." : dir) as NSString).appendingPathComponent(p) as NSString).standardizingPath
  }

  /// Reports every key this reader never asked for.
  public func finish() {
    if probe != nil { return }
    guard object.keys.contains(where: { !known.contains($0) }) else { return }
    for key in object.keys.sorted() where !known.contains(key) {
      report(nil, "unknown key '\(key)'\(Suggestion.hint(for: key, in: known))")
    }
  }
}
