import Foundation
import Testing

@testable import ReconcileDrivers

/// The templates compiled into the binary are the files in `templates/`, and are found when no directory has them.
@Suite struct BundledTemplatesTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/templates"

  @Test func theCompiledInTemplatesAreTheFilesOnDisk() throws {
    var onDisk: [String: String] = [:]
    for dir in try FileManager.default.contentsOfDirectory(atPath: Self.root) {
      for f in try FileManager.default.contentsOfDirectory(atPath: "\(Self.root)/\(dir)") {
        onDisk["\(dir)/\(f)"] = try String(contentsOfFile: "\(Self.root)/\(dir)/\(f)", encoding: .utf8)
      }
    }
    #expect(BundledTemplates.files == onDisk, "templates/ changed: run scripts/embed-templates.sh")
  }

  @Test func theyAreFoundAfterEveryDirectory() {
    let none = TemplateDirectories(["/nonexistent"])
    let site = none.load("nginx/site.conf")
    #expect(site?.file == "(built in) templates/nginx/site.conf.mustache")
    #expect(site?.text.contains("server_name {{serverNames}};") == true)
  }
}
