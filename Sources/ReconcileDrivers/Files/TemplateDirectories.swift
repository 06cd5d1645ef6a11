import Essentials
import Foundation
import ReconcileCore

/// Templates from a list of directories, the first that has the file winning (user overrides before the bundled ones),
/// then the bundled templates compiled into the binary.
public struct TemplateDirectories: TemplateSource {
  public let directories: [String]
  /// What each name loaded as, once per source (a source lives for one run): 200 sites read one template.
  private let loaded = Locked<[String: (text: String, file: String)?]>([:])

  public init(_ directories: [String]) {
    self.directories = directories
  }

  public func load(_ name: String) -> (text: String, file: String)? {
    if let known = loaded.withLock({ $0[name] }) { return known }
    let found = find(name)
    loaded.withLock { $0[name] = .some(found) }
    return found
  }

  func find(_ name: String) -> (text: String, file: String)? {
    guard !name.split(separator: "/").contains("..") else { return nil }
    for dir in directories {
      for candidate in [name, name + ".mustache"] {
        let path = "\(dir)/\(candidate)"
        if let data = FileManager.default.contents(atPath: path) { return (String(decoding: data, as: UTF8.self), path) }
      }
    }
    for candidate in [name, name + ".mustache"] {
      if let text = BundledTemplates.files[candidate] { return (text, "(built in) templates/\(candidate)") }
    }
    return nil
  }
}
