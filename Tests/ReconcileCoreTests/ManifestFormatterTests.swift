import Essentials
import Foundation
import ReconcileCore
import Testing

/// `reconcile fmt`'s layout: key order, indentation, inline lists, text kept as written, idempotence, refusals.
@Suite struct ManifestFormatterTests {
  static let messy = #"""
    {"resources":[{"dependsOn":["directory/www"],"content":"caf\u00e9 ${var.x}\n","name":"motd","kind":"file","mode":"0644","path":"/srv/motd",
    "template":{"vars":{"b":1e3,"a":[1,2,3]},"name":"t"}},{"name":"www","kind":"directory","path":"/srv/www","ensure":"present"}],
      "variables":{"x":"y"},"apiVersion":"reconcile/v1","policy":{},"alerts":[]}
    """#

  @Test func theLayoutIsCanonical() throws {
    let formatted = try ManifestFormatter.format(Array(Self.messy.utf8))
    #expect(
      formatted == #"""
        {
          "apiVersion": "reconcile/v1",
          "variables": {
            "x": "y"
          },
          "policy": {},
          "alerts": [],
          "resources": [
            {
              "kind": "file",
              "name": "motd",
              "content": "caf\u00e9 ${var.x}\n",
              "mode": "0644",
              "path": "/srv/motd",
              "template": {
                "name": "t",
                "vars": {
                  "a": [1, 2, 3],
                  "b": 1e3
                }
              },
              "dependsOn": ["directory/www"]
            },
            {
              "kind": "directory",
              "name": "www",
              "ensure": "present",
              "path": "/srv/www"
            }
          ]
        }

        """#, "\(formatted)")
    // Formatting again changes nothing, and the meaning is the same.
    #expect(try ManifestFormatter.format(Array(formatted.utf8)) == formatted)
    #expect(try JSONParser.parse(Array(formatted.utf8), as: String.self) == (try JSONParser.parse(Array(Self.messy.utf8), as: String.self)))
  }

  @Test func aLongListGoesOnLinesOfItsOwn() throws {
    let names = (1...12).map { "\"service-number-\($0)\"" }.joined(separator: ",")
    let formatted = try ManifestFormatter.format(Array(#"{"apiVersion":"reconcile/v1","resources":[{"kind":"x","name":"y","list":[\#(names)]}]}"#.utf8))
    #expect(formatted.contains("\"list\": [\n        \"service-number-1\",\n        \"service-number-2\","), "\(formatted)")
  }

  @Test func whatIsNotJSONIsRefusedWithItsPlace() {
    #expect(throws: JSONParser.Failure.self) { try ManifestFormatter.format(Array("{\n  \"a\": 1,\n}".utf8)) }
    do {
      _ = try ManifestFormatter.format(Array("{\"a\": 1, \"a\": 2}".utf8))
      Issue.record("a key given twice must be refused")
    } catch {
      #expect(error.line == 1 && error.description.contains("'a'"), "\(error)")
    }
  }
}
