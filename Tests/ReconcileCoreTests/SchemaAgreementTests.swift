import Foundation
import Testing

@testable import ReconcileCore

/// `reconcile schema` against the decoder, judged by a real validator (Debian's python3-jsonschema, draft 2020-12):
/// the shipped manifests, the README's and guides' examples, every manifest the tests write as a raw string, and the
/// fuzz corpus's thousands of mutants — whatever the decoder accepts, the schema accepts; a key the decoder does not
/// know, anywhere, both refuse; and most values the decoder refuses for their type or word, the schema refuses too.
@Suite struct SchemaAgreementTests {
  static let root = ManifestFuzzTests.root
  static let secrets = ["JULES_LOCAL_TOKEN": "local-token-123", "JULES_API_KEY": "api-key-4567"]

  static func schema() -> String { ManifestSchema.text(.builtIn, templates: MemoryTemplates(files: bundledTemplates)) }

  /// Which documents the schema accepts, one validator process for all.
  static func accepted(_ docs: [String]) throws -> [Bool] {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try schema().write(toFile: dir + "/schema.json", atomically: true, encoding: .utf8)
    try ("[" + docs.joined(separator: ",\n") + "]").write(toFile: dir + "/docs.json", atomically: true, encoding: .utf8)
    let script = """
      import json, sys, jsonschema
      schema = json.load(open(sys.argv[1]))
      jsonschema.Draft202012Validator.check_schema(schema)
      v = jsonschema.Draft202012Validator(schema)
      print(json.dumps([v.is_valid(d) for d in json.load(open(sys.argv[2]))]))
      """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    p.arguments = ["-c", script, dir + "/schema.json", dir + "/docs.json"]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0, "python3-jsonschema failed (scripts/deps/core.txt installs it)")
    return (try? JSONDecoder().decode([Bool].self, from: data)) ?? []
  }

  static func decodes(_ json: String) -> Bool {
    (try? decode([("m.json", json)], secrets: secrets, templates: bundledTemplates)) != nil
  }

  static func json(_ object: Any) -> String { String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self) }

  /// Manifests written out in the guides and in the tests' raw strings (those that are whole JSON manifests).
  static func examples() throws -> [String] {
    var out: [String] = []
    for doc in ["README.md", "docs/swarm.md"] {
      let text = try String(contentsOfFile: "\(root)/\(doc)", encoding: .utf8)
      for block in text.components(separatedBy: "```json\n").dropFirst().map({ $0.components(separatedBy: "```")[0] }) {
        let trimmed = block.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("\"alerts\"") {
          out.append("{ \"apiVersion\": \"reconcile/v1\", \(trimmed), \"resources\": [] }")
        } else if trimmed.hasPrefix("{ \"kind\"") {
          out.append("{ \"apiVersion\": \"reconcile/v1\", \"resources\": [\(trimmed)] }")
        } else if trimmed.contains("\"apiVersion\"") {
          out.append(trimmed)
        }
      }
    }
    let tests = FileManager.default.enumerator(atPath: "\(root)/Tests")!
    while let rel = tests.nextObject() as? String {
      guard rel.hasSuffix(".swift") else { continue }
      let text = try String(contentsOfFile: "\(root)/Tests/\(rel)", encoding: .utf8)
      for piece in text.components(separatedBy: "#\"\"\"").dropFirst() {
        let body = piece.components(separatedBy: "\"\"\"#")[0]
        guard body.contains("\"apiVersion\": \"reconcile/v1\""), !body.contains("\\#("),
          (try? JSONSerialization.jsonObject(with: Data(body.utf8))) is [String: Any]
        else { continue }
        out.append(body)
      }
    }
    return out
  }

  @Test func everyKindHasItsLine() {
    #expect(Set(ManifestSchema.summaries.keys) == Set(KindRegistry.builtIn.kinds.keys))
  }

  @Test func theShippedSchemaIsTheGeneratedOne() throws {
    let shipped = try String(contentsOfFile: "\(Self.root)/manifests/reconcile.schema.json", encoding: .utf8)
    #expect(shipped == Self.schema(), "manifests/reconcile.schema.json is stale: run `reconcile schema > manifests/reconcile.schema.json`")
    for file in try ManifestFuzzTests.shippedFiles() {
      let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(Self.root)/\(file)"))) as! [String: Any]
      // From the file's directory back up to manifests/.
      let up = String(repeating: "../", count: file.split(separator: "/").count - 2)
      #expect(doc["$schema"] as? String == up + "reconcile.schema.json", "\(file)")
    }
  }

  @Test func whatTheDecoderAcceptsTheSchemaAccepts() throws {
    var docs: [String] = []
    for file in try ManifestFuzzTests.shippedFiles() { docs.append(try String(contentsOfFile: "\(Self.root)/\(file)", encoding: .utf8)) }
    let examples = try Self.examples()
    docs += examples.filter(Self.decodes)
    let corpus = try ManifestFuzzTests.corpus()
    for (_, variables, resource) in corpus {
      var base: [String: Any] = ["apiVersion": "reconcile/v1", "resources": [resource]]
      if let variables { base["variables"] = variables }
      docs.append(Self.json(base))
      for path in ManifestFuzzTests.leaves(resource) where (path.first as? String) != "kind" {
        for value in ManifestFuzzTests.hostile {
          var doc = base
          doc["resources"] = [ManifestFuzzTests.replacing(resource, at: path, with: "@@FUZZ@@")]
          let text = Self.json(doc).replacingOccurrences(of: "\"@@FUZZ@@\"", with: value)
          if Self.decodes(text) { docs.append(text) }
        }
      }
    }
    let verdicts = try Self.accepted(docs)
    #expect(verdicts.count == docs.count)
    let refused = zip(docs, verdicts).filter { !$0.1 }.map(\.0)
    #expect(refused.isEmpty, "the schema refuses \(refused.count) manifests the decoder accepts, e.g. \(refused.first?.prefix(600) ?? "")")
    #expect(examples.count >= 15, "manifests found in the guides and tests: \(examples.count)")
    print(
      "schema: of \(docs.count) manifests the decoder accepts (\(examples.count) examples from the guides and tests, the rest shipped and fuzzed), the schema accepts \(docs.count - refused.count)"
    )
  }

  @Test func unknownKeysAndWrongValuesAreRefusedByBoth() throws {
    let corpus = try ManifestFuzzTests.corpus()
    var unknown: [String] = []
    var wrong: [String] = []
    for (_, variables, resource) in corpus {
      // Only resources that decode as they are: what the decoder refuses then is the mutation.
      var base: [String: Any] = ["apiVersion": "reconcile/v1", "resources": [resource]]
      if let variables { base["variables"] = variables }
      guard Self.decodes(Self.json(base)) else { continue }
      // An unknown key in the resource and in each object inside it.
      var objects: [[Any]] = [[]]
      for path in ManifestFuzzTests.leaves(resource) {
        for n in 1..<path.count where path[n - 1] is String && !(path[n] is Int) {
          let prefix = Array(path[..<n])
          if !objects.contains(where: { $0.map { "\($0)" } == prefix.map { "\($0)" } }) { objects.append(prefix) }
        }
      }
      // Objects of fields, not maps whose keys are data (env names, labels, log options: values to the decoder).
      for at in objects where Self.isFieldObject(resource["kind"] as! String, at) {
        let mutant = Self.addingKey(resource, at: at)
        var doc: [String: Any] = ["apiVersion": "reconcile/v1", "resources": [mutant]]
        if let variables { doc["variables"] = variables }
        // Free-form maps (env, labels, template vars, log options) take any key.
        let text = Self.json(doc)
        if !Self.decodes(text) { unknown.append(text) }
      }
      // A value of another type, or a word outside a choice, where the decoder refuses it.
      for path in ManifestFuzzTests.leaves(resource) where (path.first as? String) != "kind" {
        for value in ["{}", "[]", #""not-a-word-here""#, "true"] {
          var doc: [String: Any] = ["apiVersion": "reconcile/v1", "resources": [ManifestFuzzTests.replacing(resource, at: path, with: "@@FUZZ@@")]]
          if let variables { doc["variables"] = variables }
          let text = Self.json(doc).replacingOccurrences(of: "\"@@FUZZ@@\"", with: value)
          if !Self.decodes(text) { wrong.append(text) }
        }
      }
    }
    let unknownVerdicts = try Self.accepted(unknown)
    let wrongVerdicts = try Self.accepted(wrong)
    let slipped = zip(unknown, unknownVerdicts).filter { $0.1 }.map(\.0)
    #expect(unknown.count >= 20 && slipped.isEmpty, "\(slipped.count) of \(unknown.count) unknown keys pass the schema, e.g. \(slipped.first?.prefix(600) ?? "")")
    let caught = wrongVerdicts.filter { !$0 }.count
    // The decoder checks more than types and words (paths, ports, references): the schema catches the typed part.
    #expect(Double(caught) >= 0.6 * Double(wrong.count), "the schema refuses \(caught) of \(wrong.count) values the decoder refuses")
    print(
      "schema: an unknown key the decoder refuses in \(unknown.count) places, the schema in \(unknown.count - slipped.count); of \(wrong.count) values of another type or word the decoder refuses, the schema refuses \(caught)"
    )
  }

  /// Whether the schema describes the object at `path` in a resource of `kind` by its fields.
  static func isFieldObject(_ kind: String, _ path: [Any]) -> Bool {
    let schemaObject = try! JSONSerialization.jsonObject(with: Data(schema().utf8)) as! [String: Any]
    var node = (schemaObject["$defs"] as! [String: Any])[kind] as? [String: Any]
    for step in path {
      if let key = step as? String {
        node = (node?["properties"] as? [String: Any])?[key] as? [String: Any]
      } else {
        node = node?["items"] as? [String: Any]
      }
    }
    return node?["properties"] != nil
  }

  static func addingKey(_ value: Any, at path: [Any]) -> Any {
    guard let head = path.first else {
      var o = value as! [String: Any]
      o["notAField"] = "x"
      return o
    }
    if var o = value as? [String: Any], let k = head as? String {
      o[k] = addingKey(o[k]!, at: Array(path.dropFirst()))
      return o
    }
    var a = value as! [Any]
    let i = head as! Int
    a[i] = addingKey(a[i], at: Array(path.dropFirst()))
    return a
  }
}
