import Foundation

/// Parses a `.env` file: `KEY=value` lines, `#` comments, optional `export ` and quotes.
public enum DotEnvFile {
  public static func parse(_ text: String) -> [String: String] {
    var out: [String: String] = [:]
    for raw in text.split(whereSeparator: \.isNewline) {
      var line = raw.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") { continue }
      if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
      guard let eq = line.firstIndex(of: "=") else { continue }
      let key = line[..<eq].trimmingCharacters(in: .whitespaces)
      var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
      if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f {
        value = String(value.dropFirst().dropLast())
      }
      out[key] = value
    }
    return out
  }

  /// Reads `path` if it exists; a missing file is an empty environment.
  public static func load(_ path: String) throws -> [String: String] {
    guard FileManager.default.fileExists(atPath: path) else { return [:] }
    do {
      return parse(try String(contentsOfFile: path, encoding: .utf8))
    } catch {
      throw JulesError("could not read configuration file '\(path)': \(error.localizedDescription)")
    }
  }
}
