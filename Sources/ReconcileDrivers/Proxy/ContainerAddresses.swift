import Foundation
import ReconcileCore

/// Where a container's port can be reached from the host: its published address, read from the `ports` the
/// manifests declare for `container/NAME` (`"127.0.0.1:18080:80"` → `127.0.0.1:18080`; `"18080:80"` and
/// `0.0.0.0` → `127.0.0.1:18080`). The manifests are the `*.json` files under the directory of the site's manifest;
/// `${var.NAME}` in a port resolves from their `variables`.
struct ContainerAddresses {
  var ports: [String: [String]] = [:]

  init(manifestFile: String) {
    let dir = (manifestFile as NSString).deletingLastPathComponent
    let fm = FileManager.default
    var variables: [String: String] = [:]
    let walker = fm.enumerator(atPath: dir.isEmpty ? "." : dir)
    while let rel = walker?.nextObject() as? String {
      guard rel.hasSuffix(".json"), !rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else { continue }
      guard let data = fm.contents(atPath: "\(dir.isEmpty ? "." : dir)/\(rel)"),
        let top = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let resources = top["resources"] as? [[String: Any]]
      else { continue }
      for (k, v) in top["variables"] as? [String: Any] ?? [:] { variables[k] = v as? String ?? (v as? NSNumber)?.stringValue }
      for r in resources where r["kind"] as? String == "container" {
        if let name = r["name"] as? String { ports[name] = r["ports"] as? [String] ?? [] }
      }
    }
    for (name, list) in ports {
      ports[name] = list.map { p in variables.reduce(p) { $0.replacingOccurrences(of: "${var.\($1.key)}", with: $1.value) } }
    }
  }

  /// `HOST:PORT` for container `name`'s port `port`, or an error saying what is missing.
  func address(_ name: String, port: Int) -> Result<String, OperationError> {
    guard let list = ports[name] else { return .failure(OperationError("container/\(name) is not declared with 'ports' in the manifests")) }
    for p in list {
      let spec = p.split(separator: "/").first.map(String.init) ?? p
      let parts = spec.split(separator: ":").map(String.init)
      guard let container = parts.last, Int(container) == port, parts.count >= 2 else { continue }
      let hostPort = parts[parts.count - 2]
      var host = parts.count >= 3 ? parts[0..<(parts.count - 2)].joined(separator: ":") : "127.0.0.1"
      if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" }
      return .success("\(host):\(hostPort)")
    }
    return .failure(OperationError("container/\(name) publishes no host port for its port \(port) (ports: \(list.joined(separator: ", ")))"))
  }

  /// The upstream blocks of a site: one per container route.
  func upstreams(_ routes: [ContainerRoute]) -> Result<String, OperationError> {
    var out = ""
    for r in routes {
      switch address(r.container, port: r.port) {
      case .success(let a): out += "upstream \(r.upstream) { server \(a); }\n"
      case .failure(let e): return .failure(e)
      }
    }
    return .success(out)
  }
}
