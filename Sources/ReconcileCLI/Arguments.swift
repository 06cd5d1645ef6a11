import ReconcileCore

/// Parsed command line: options (last value wins, or every value for repeatable ones) and positionals.
struct Arguments {
  struct Spec {
    var flags: Set<String> = []
    var values: Set<String> = []
    var repeatable: Set<String> = []
    var maxPositionals = 0
  }

  var options: [String: [String]] = [:]
  var flags: Set<String> = []
  var positionals: [String] = []

  init(_ args: [String], spec: Spec, command: String) throws {
    var i = 0
    while i < args.count {
      let a = args[i]
      i += 1
      guard a.hasPrefix("--"), a != "--" else {
        positionals.append(a)
        continue
      }
      var name = String(a.dropFirst(2))
      var inline: String?
      if let eq = name.firstIndex(of: "=") {
        inline = String(name[name.index(after: eq)...])
        name = String(name[..<eq])
      }
      if spec.flags.contains(name) {
        guard inline == nil else { throw OperationError("--\(name) takes no value") }
        flags.insert(name)
      } else if spec.values.contains(name) || spec.repeatable.contains(name) {
        guard let v = inline ?? (i < args.count ? args[i] : nil) else { throw OperationError("--\(name) needs a value") }
        if inline == nil { i += 1 }
        // Only a repeatable option (--templates, --target) may come twice; anything else would silently drop a value.
        if let first = options[name]?.first, !spec.repeatable.contains(name) {
          throw OperationError("--\(name) is given twice ('\(first)' and '\(v)'); give it once")
        }
        options[name, default: []].append(v)
      } else {
        let known = spec.flags.union(spec.values).union(spec.repeatable).map { "--" + $0 }
        throw OperationError("unknown option '--\(name)' for '\(command)'\(Suggestion.hint(for: "--" + name, in: known)); see 'reconcile \(command) --help'")
      }
    }
    guard positionals.count <= spec.maxPositionals else {
      throw OperationError("unexpected argument '\(positionals[spec.maxPositionals])' for '\(command)'; see 'reconcile \(command) --help'")
    }
  }

  func value(_ name: String) -> String? { options[name]?.last }
  func values(_ name: String) -> [String] { options[name] ?? [] }
  func has(_ flag: String) -> Bool { flags.contains(flag) }

  /// Seconds from `30`, `30s`, `5m`: not negative, at most 100 years (so every clock and timer can hold it).
  func seconds(_ name: String, default d: Double) throws -> Double {
    guard let v = value(name) else { return d }
    guard let s = Double(v) ?? FieldReader.parseDuration(v), s.isFinite, s >= 0, s <= FieldReader.longestDuration else {
      throw OperationError("--\(name): expected a duration like \"30s\" (up to 100 years), got '\(v)'")
    }
    return s
  }

  func int(_ name: String, default d: Int) throws -> Int {
    guard let v = value(name) else { return d }
    guard let n = Int(v), n > 0, n <= 10_000 else { throw OperationError("--\(name): expected a whole number from 1 to 10000, got '\(v)'") }
    return n
  }
}
