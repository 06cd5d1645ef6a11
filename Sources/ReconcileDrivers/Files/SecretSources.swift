import Essentials
import Foundation
import ReconcileCore

/// Secrets from, in order: the process environment, an env file (`KEY=value` lines), files in a secrets directory.
public struct SecretSources: SecretLookup {
  let environment: [String: String]
  let envFile: [String: String]
  let envFilePath: String?
  let directory: String?

  public init(environment: [String: String], envFile: String?, directory: String?) throws {
    self.environment = environment
    self.directory = directory
    if let envFile, FileManager.default.fileExists(atPath: envFile) {
      guard let data = FileManager.default.contents(atPath: envFile) else {
        throw OperationError(doing: "read the env file '\(envFile)'", "permission denied")
      }
      self.envFile = try Self.parse(String(decoding: data, as: UTF8.self), file: envFile)
      self.envFilePath = envFile
    } else {
      self.envFile = [:]
      self.envFilePath = nil
    }
  }

  public func secret(named name: String) -> String? {
    if let v = environment[name] { return v }
    if let v = envFile[name] { return v }
    guard let directory, !name.contains("/"), !name.hasPrefix(".") else { return nil }
    guard let data = FileManager.default.contents(atPath: "\(directory)/\(name)") else { return nil }
    var s = String(decoding: data, as: UTF8.self)
    if s.hasSuffix("\n") { s.removeLast() }
    return s
  }

  public var searchedPlaces: String {
    var places = ["the environment"]
    if let envFilePath { places.append("'\(envFilePath)'") }
    if let directory { places.append("'\(directory)/'") }
    return places.joined(separator: ", ")
  }

  /// Every value this lookup could return, for redaction of outputs.
  public func allValues(named names: some Sequence<String>) -> [String] {
    names.compactMap { secret(named: $0) }
  }

  /// The env file in docker compose's grammar (`DotEnv`); a malformed line names its line number, never its value.
  static func parse(_ text: String, file: String) throws -> [String: String] {
    do {
      return try DotEnv.parse(text)
    } catch {
      throw OperationError(doing: "read the env file '\(file)'", cause: .invalid(error.description))
    }
  }
}
