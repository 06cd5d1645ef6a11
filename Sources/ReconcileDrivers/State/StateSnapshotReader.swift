import Essentials
import Foundation
import ReconcileCore

/// `state.json` read through the manifests' JSON parser instead of Foundation's `JSONDecoder`, which took a fifth of
/// a no-op plan of 10,000 files. Nil for anything not exactly of the written shape: the store then decodes with
/// `JSONDecoder` for its precise error (or an older form it still reads).
enum StateSnapshotReader {
  static func read(_ bytes: [UInt8]) -> StateSnapshot? {
    // The records are read as the parser reaches them, each record's tree let go at once: the whole tree and the
    // records were never needed together (for 10,000 files, 12 and 8 MB of a plan's peak).
    var resources: [ResourceID: ResourceRecord] = [:]
    var shaped = true
    let parsed = try? JSONParser.parse(bytes, as: String.self, streaming: "resources") { item in
      guard let record = record(item) else {
        shaped = false
        return false
      }
      if resources[record.id] == nil { resources[record.id] = record }
      return true
    }
    guard shaped, let top = parsed ?? nil, let version = int(top["version"]), let lineage = top["lineage"]?.stringValue,
      let serial = int(top["serial"]), case .array? = top["resources"]
    else { return nil }
    var lastApply: ApplyStamp?
    if let stamp = top["lastApply"], stamp != .null {
      guard let time = date(stamp["time"]), let digest = stamp["manifestDigest"]?.stringValue, let outcome = stamp["outcome"]?.stringValue
      else { return nil }
      lastApply = ApplyStamp(time: time, manifestDigest: digest, revision: stamp["revision"]?.stringValue, outcome: outcome)
    }
    var s = StateSnapshot(lineage: lineage, serial: serial, lastApply: lastApply, resources: resources)
    s.version = version
    return s
  }

  private static func record(_ item: JSONTree<String>) -> ResourceRecord? {
    guard let id = item["id"]?.stringValue.flatMap(ResourceID.init(parsing:)), let locator = strings(item["locator"]),
      let attributes = strings(item["attributes"]), case .array(let deps)? = item["dependsOn"],
      let appliedAt = date(item["appliedAt"]), let fingerprint = item["fingerprint"]?.stringValue
    else { return nil }
    var dependsOn: [ResourceID] = []
    for d in deps {
      guard let dep = d.stringValue.flatMap(ResourceID.init(parsing:)) else { return nil }
      dependsOn.append(dep)
    }
    var provisional: Bool?
    var adopted: Adoption?
    var formerly: ResourceID?
    // The six fields every record has; the optional ones (provisional, adopted, formerly) only when there are more.
    if case .object(let fields) = item, fields.count > 6 {
      switch fields["provisional"] {
      case nil, .null?: provisional = nil
      case .bool(let b)?: provisional = b
      default: return nil
      }
      switch fields["adopted"] {
      case nil, .null?: adopted = nil
      case let a?:
        guard let objectID = a["objectID"]?.stringValue, let labels = strings(a["labels"]) else { return nil }
        adopted = Adoption(objectID: objectID, labels: labels)
      }
      switch fields["formerly"] {
      case nil, .null?: formerly = nil
      case let f?:
        guard let text = f.stringValue, let was = ResourceID(parsing: text) else { return nil }
        formerly = was
      }
    }
    var record = ResourceRecord(
      id: id, locator: locator, attributes: attributes, dependsOn: dependsOn, appliedAt: appliedAt, fingerprint: fingerprint,
      provisional: provisional, adopted: adopted)
    record.formerly = formerly
    return record
  }

  private static func int(_ v: JSONTree<String>?) -> Int? {
    guard case .number(let n)? = v, n == n.rounded(), abs(n) < 1e15 else { return nil }
    return Int(n)
  }

  private static func strings(_ v: JSONTree<String>?) -> [String: String]? {
    guard case .object(let o)? = v else { return nil }
    var out: [String: String] = [:]
    out.reserveCapacity(o.count)
    for (k, v) in o {
      guard let s = v.stringValue else { return nil }
      out[k] = s
    }
    return out
  }

  /// `YYYY-MM-DDTHH:MM:SSZ`, the form the store writes (`JSONEncoder`'s `.iso8601`).
  private static func date(_ v: JSONTree<String>?) -> Date? {
    guard let s = v?.stringValue else { return nil }
    let b = Array(s.utf8)
    guard b.count == 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[19] == 90 else { return nil }
    func n(_ from: Int, _ count: Int) -> Int? {
      var x = 0
      for i in from..<(from + count) {
        guard b[i] >= 48, b[i] <= 57 else { return nil }
        x = x * 10 + Int(b[i] - 48)
      }
      return x
    }
    guard let y = n(0, 4), let mo = n(5, 2), let d = n(8, 2), let h = n(11, 2), let mi = n(14, 2), let sec = n(17, 2),
      (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61
    else { return nil }
    // Days from the civil date (Howard Hinnant's algorithm), then seconds.
    let yy = mo <= 2 ? y - 1 : y
    let era = (yy >= 0 ? yy : yy - 399) / 400
    let yoe = yy - era * 400
    let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146097 + doe - 719468
    return Date(timeIntervalSince1970: TimeInterval(days * 86400 + h * 3600 + mi * 60 + sec))
  }
}
