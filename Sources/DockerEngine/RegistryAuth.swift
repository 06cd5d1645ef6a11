import Foundation

/// Credentials for a registry, as the Engine takes them: the `X-Registry-Auth` header, base64url of a JSON object.
/// Only the header is kept; `description` names the user and server, never the password.
public struct RegistryAuth: Sendable, CustomStringConvertible {
  let header: String
  public let description: String

  /// No credentials: `{}`, base64.
  static let anonymous = Data("{}".utf8).base64EncodedString()

  public init(server: String, username: String, password: String) {
    let object = ["username": username, "password": password, "serveraddress": server]
    let json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    header = json.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    description = "\(username)@\(server)"
  }
}
