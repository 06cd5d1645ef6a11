import Essentials
import Foundation

/// Reads a `.env` file in docker compose's grammar (`DotEnv`, shared with reconcile).
public enum DotEnvFile {
  /// Reads `path` if it exists; a missing file is an empty environment, a malformed one an error naming its line.
  public static func load(_ path: String) throws -> [String: String] {
    guard FileManager.default.fileExists(atPath: path) else { return [:] }
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw JulesError("could not read configuration file '\(path)': \(error.localizedDescription)")
    }
    do {
      return try DotEnv.parse(text)
    } catch {
      throw JulesError("could not read configuration file '\(path)': \(error)")
    }
  }
}
