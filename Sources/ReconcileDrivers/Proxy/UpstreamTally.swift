import Foundation
import ReconcileCore

/// Counts what a managed proxy's upstream log says of the requests one address answered, reading on from where it
/// stopped. nginx writes one JSON line per proxied request (`upstream`, `status`, `time`): an address it gave up on
/// before trying the next server (`$upstream_addr` `A:80, B:80`) counts as a failed request of its own. Caddy writes
/// one line per round trip (`"msg": "upstream roundtrip"`, `upstream`, `status` or `error`, `duration`).
struct UpstreamTally {
  /// Where the proxy under `prefix` writes its upstream log.
  static func log(under prefix: String) -> String { prefix + "/logs/upstreams.json" }

  let path: String
  /// `IP:` of the container being judged (any of its ports).
  let address: String
  private var offset: Int
  private var partial = Data()
  private(set) var requests = 0
  private(set) var errors = 0
  private var times: [Double] = []

  /// Starts at the log's current end: only requests logged from now on count.
  init(path: String, address: String) {
    self.path = path
    self.address = address + ":"
    offset = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
  }

  /// Reads the lines logged since the last call.
  mutating func read() {
    guard let handle = FileHandle(forReadingAtPath: path) else { return }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()).map(Int.init) ?? 0
    // A log rotated or truncated under us starts over.
    if size < offset { offset = 0; partial = Data() }
    guard size > offset, (try? handle.seek(toOffset: UInt64(offset))) != nil, let data = try? handle.read(upToCount: size - offset) else { return }
    offset += data.count
    partial.append(data)
    guard let end = partial.lastIndex(of: UInt8(ascii: "\n")) else { return }
    let complete = partial[partial.startIndex...end]
    partial = Data(partial[partial.index(after: end)...])
    for line in complete.split(separator: UInt8(ascii: "\n")) { count(Data(line)) }
  }

  private mutating func count(_ line: Data) {
    guard let entry = try? JSONSerialization.jsonObject(with: line) as? [String: Any], let upstream = entry["upstream"] as? String else { return }
    if entry["msg"] as? String == "upstream roundtrip" {
      guard upstream.hasPrefix(address) else { return }
      requests += 1
      let status = (entry["status"] as? NSNumber)?.intValue ?? 0
      if status == 0 || status >= 500 { errors += 1 }
      if status > 0, let time = (entry["duration"] as? NSNumber)?.doubleValue { times.append(time) }
      return
    }
    let tried = upstream.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    for (i, server) in tried.enumerated() where server.hasPrefix(address) {
      requests += 1
      let last = i == tried.count - 1
      let status = (entry["status"] as? NSNumber)?.intValue ?? 0
      if !last || status >= 500 { errors += 1 }
      if last, let time = (entry["time"] as? NSNumber)?.doubleValue { times.append(time) }
    }
  }

  /// The 95th percentile of the answered requests' times (nearest rank).
  var p95: Double? {
    guard !times.isEmpty else { return nil }
    let sorted = times.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
  }
}
