import Foundation
import Testing

@testable import ReconcileCore

/// Every leaf of a corpus covering every kind (the shipped manifests and one resource per remaining kind and
/// feature) replaced by hostile values: decoding either succeeds or reports errors that name the file and the
/// resource; what decodes also plans and renders. A trap (an Int that cannot hold 1e19, a duration no clock holds)
/// crashes this test process, so passing means none happened.
@Suite struct ManifestFuzzTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

  /// Resources beyond the shipped manifests, so every numeric, duration and size field of every kind is present.
  static let extra = #"""
    [
      { "kind": "container", "name": "kitchen", "image": "local/busybox:1", "command": ["sleep", "1"], "memory": "256m", "cpus": 0.5,
        "pidsLimit": 100, "stopTimeout": 10, "stopSignal": "SIGTERM", "restart": "on-failure:3", "ports": ["127.0.0.1:18080:80"],
        "healthcheck": { "command": ["true"], "interval": "5s", "timeout": "2s", "retries": 3, "startPeriod": "1s" },
        "update": { "strategy": "start-first", "healthyWithin": "30s" }, "log": { "driver": "json-file", "options": { "max-size": "10m" } } },
      { "kind": "network", "name": "back", "internal": true },
      { "kind": "service", "name": "api", "image": "app:2", "command": ["serve"], "replicas": 3, "env": { "MODE": "prod" }, "secrets": { "token": "${secret.JULES_API_KEY}" }, "labels": { "team": "a" },
        "constraints": ["node.role == worker"], "preferences": ["node.labels.zone"], "ports": ["8080:80"], "endpointMode": "dnsrr",
        "networks": [ { "network": "network/back" } ], "mounts": [ { "volume": "volume/data", "target": "/data" } ], "reserve": { "memory": "64m", "cpus": 0.5 },
        "healthcheck": { "command": "true", "interval": "5s" }, "stopTimeout": 5, "rollback": { "parallelism": 0 },
        "update": { "parallelism": 2, "delay": "10s", "order": "stop-first", "failureAction": "rollback", "monitor": "30s", "maxFailureRatio": 0.1 } },
      { "kind": "node", "name": "node-1", "labels": { "zone": "a" }, "availability": "active" },
      { "kind": "group", "name": "jit", "gid": 990, "system": true },
      { "kind": "user", "name": "jit", "uid": 990, "group": "jit", "groups": ["docker"], "home": "/var/lib/jit", "shell": "/usr/sbin/nologin", "createHome": true },
      { "kind": "unit", "name": "web", "content": "[Service]\nExecStart=/bin/web\n", "onChange": "reload" },
      { "kind": "job", "name": "tick", "schedule": "*/5 * * * *", "command": "true", "timeout": "2m", "failuresBeforeAlert": 3, "maxAge": "1h" },
      { "kind": "backup", "name": "db", "sources": [ { "sqlite": "/srv/db.sqlite" } ], "destination": "/var/backups/r", "schedule": "@daily",
        "keep": { "last": 3, "daily": 7, "weekly": 4, "monthly": 6 } },
      { "kind": "certificate", "name": "c", "domains": ["example.org"], "directory": "/c/site", "renewBefore": "30d",
        "issuer": { "type": "self-signed", "days": 90 } },
      { "kind": "site", "name": "w", "prefix": "/srv/nginx", "serverNames": ["example.org"], "listen": "127.0.0.1:8080",
        "routes": [ { "path": "/a/", "upstream": "127.0.0.1:18080" } ], "maxBodySize": "20m", "rateLimit": { "rate": "10r/s", "burst": 20 } }
    ]
    """#

  /// Values no manifest should be able to crash on.
  static let hostile: [String] = [
    "1e19", "-1e19", "1e308", "-1", "0", "99999999999999999999", "0.0000001", #""99999999999999999999g""#, #""1e19s""#,
    #""99999999999999999999s""#, #""-5s""#, #""""#, #""\u0000""#, #""${var.nope}""#, #""${""#, "null", "true", "[]", "{}",
    #"[1e19]"#, "\"" + String(repeating: "x", count: 5000) + "\"",
  ]

  /// Every shipped manifest file (the bundled module's too), relative to the repository.
  static func shippedFiles() throws -> [String] {
    var out: [String] = []
    for dir in ["manifests", "manifests/host", "manifests/modules/jules"] {
      for f in try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(dir)").sorted() where f.hasSuffix(".json") && !f.hasSuffix(".schema.json") {
        out.append("\(dir)/\(f)")
      }
    }
    return out
  }

  /// Each resource of the corpus as a JSON object, with the file it comes from. A module's resources stand alone with
  /// their inputs as variables (`${input.NAME}` read as `${var.NAME}`, the input's default or a sample value).
  static func corpus() throws -> [(file: String, variables: Any?, resource: [String: Any])] {
    var out: [(String, Any?, [String: Any])] = []
    let module = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(root)/manifests/modules/jules/module.json"))) as! [String: Any]
    var inputs: [String: String] = [:]
    for (name, d) in module["inputs"] as! [String: [String: Any]] { inputs[name] = d["default"].map { "\($0)" } ?? "sample-\(name)-value" }
    for file in try shippedFiles() {
      var text = try String(contentsOfFile: "\(root)/\(file)", encoding: .utf8)
      if file.hasPrefix("manifests/modules/") { text = text.replacingOccurrences(of: "${input.", with: "${var.") }
      let doc = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
      let variables: Any? = file.hasPrefix("manifests/modules/") ? inputs : doc["variables"]
      for r in doc["resources"] as? [[String: Any]] ?? [] { out.append((file, variables, r)) }
    }
    for r in try JSONSerialization.jsonObject(with: Data(extra.utf8)) as! [[String: Any]] { out.append(("extra.json", nil, r)) }
    return out
  }

  /// Every path to a leaf (a number, string, bool or null) of `value`.
  static func leaves(_ value: Any, at path: [Any] = []) -> [[Any]] {
    switch value {
    case let o as [String: Any]: return o.keys.sorted().flatMap { leaves(o[$0]!, at: path + [$0]) }
    case let a as [Any]: return a.indices.flatMap { leaves(a[$0], at: path + [$0]) }
    default: return [path]
    }
  }

  static func replacing(_ value: Any, at path: [Any], with marker: String) -> Any {
    guard let head = path.first else { return marker }
    if var o = value as? [String: Any], let k = head as? String {
      o[k] = replacing(o[k]!, at: Array(path.dropFirst()), with: marker)
      return o
    }
    var a = value as! [Any]
    let i = head as! Int
    a[i] = replacing(a[i], at: Array(path.dropFirst()), with: marker)
    return a
  }

  @Test func hostileValuesInEveryFieldOfEveryKindNeverCrash() throws {
    var decoded = 0, refused = 0
    let corpus = try Self.corpus()
    #expect(Set(corpus.compactMap { $0.resource["kind"] as? String }).isSuperset(of: KindRegistry.builtIn.kinds.keys))
    for (file, variables, resource) in corpus {
      for path in Self.leaves(resource) where (path.first as? String) != "kind" {
        for value in Self.hostile {
          let mutant = Self.replacing(resource, at: path, with: "@@FUZZ@@")
          var doc: [String: Any] = ["apiVersion": "reconcile/v1", "resources": [mutant]]
          if let variables { doc["variables"] = variables }
          let json = String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self)
            .replacingOccurrences(of: "\"@@FUZZ@@\"", with: value)
          do {
            let m = try decode([(file, json)], secrets: ["JULES_LOCAL_TOKEN": "local-token-123", "JULES_API_KEY": "api-key-4567"], templates: bundledTemplates)
            decoded += 1
            let p = plan(m)
            _ = PlanTextRenderer().render(p)
            _ = plan(m, state: applied(m))
          } catch {
            refused += 1
            for issue in error.issues {
              #expect(issue.description.hasPrefix("\(file): resources[0]") || issue.description.hasPrefix("\(file):"), "\(issue)")
            }
          }
        }
      }
    }
    #expect(decoded > 100 && refused > 500, "decoded \(decoded), refused \(refused)")
    print(
      "fault suite: manifest fuzz: \(decoded + refused) mutants of \(corpus.count) resources; \(decoded) decoded, planned and rendered, \(refused) refused naming file and field; 0 crashes"
    )
  }
}
