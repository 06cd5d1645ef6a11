import Foundation
import Testing
@testable import ReconcileCore
@testable import ReconcileDrivers

/// The state file's fast reader reads exactly what `JSONDecoder` reads from what the store writes, and declines
/// (leaving the store's `JSONDecoder` to explain) anything of another shape.
@Suite struct StateSnapshotReaderTests {
  func snapshot() -> StateSnapshot {
    let t = Date(timeIntervalSince1970: 1_795_000_000)
    var records: [ResourceID: ResourceRecord] = [:]
    for (i, id) in [ResourceID(kind: "file", name: "a"), ResourceID(kind: "container", name: "web"), ResourceID(kind: "site", name: "ü-ñ")].enumerated() {
      records[id] = ResourceRecord(
        id: id, locator: ["path": "/srv/\(i)", "name": "x\"y\\z"], attributes: ["content": "sha256:ab", "mode": "0644", "env": "hmac-sha256:cd"],
        dependsOn: i == 0 ? [] : [ResourceID(kind: "file", name: "a")], appliedAt: t.addingTimeInterval(Double(i) * 86_400 * 400),
        fingerprint: "sha256:\(i)", provisional: i == 1 ? true : nil,
        adopted: i == 1 ? Adoption(objectID: "3b96fc60", labels: ["io.reconcile.spec": "{\"env\":\"A\"}", "io.reconcile.resource": "container/web"]) : nil)
    }
    return StateSnapshot(
      lineage: "3f0e", serial: 42, lastApply: ApplyStamp(time: t, manifestDigest: "d1", revision: "abc123", outcome: "succeeded"), resources: records)
  }

  @Test func readsWhatJSONDecoderReads() throws {
    let data = try JSONStateStore.encoder.encode(snapshot())
    let fast = try #require(StateSnapshotReader.read(Array(data)))
    let slow = try JSONStateStore.decoder.decode(StateSnapshot.self, from: data)
    #expect(fast.resources == slow.resources)
    #expect(fast.lastApply == slow.lastApply && fast.lineage == slow.lineage && fast.serial == slow.serial && fast.version == slow.version)
    // Dates across leap years and the epoch's other side.
    for seconds in [-86_400.0 * 365 * 30, 0, 951_782_400, 1_709_164_800, 4_102_444_799] {
      var s = snapshot()
      s.lastApply?.time = Date(timeIntervalSince1970: seconds)
      let d = try JSONStateStore.encoder.encode(s)
      #expect(StateSnapshotReader.read(Array(d))?.lastApply?.time == Date(timeIntervalSince1970: seconds), "\(seconds)")
    }
  }

  @Test func declinesOtherShapes() throws {
    let good = String(decoding: try JSONStateStore.encoder.encode(snapshot()), as: UTF8.self)
    for bad in [
      good.replacingOccurrences(of: "\"serial\" : 42", with: "\"serial\" : \"42\""),
      good.replacingOccurrences(of: "\"id\" : \"file/a\"", with: "\"id\" : \"file-a\""),
      good.replacingOccurrences(of: "Z\"", with: "+01:00\""),
      good.replacingOccurrences(of: "\"objectID\" : \"3b96fc60\"", with: "\"objectID\" : 3"),
      "{", "[]",
    ] {
      #expect(bad != good)
      #expect(StateSnapshotReader.read(Array(bad.utf8)) == nil, "\(bad.prefix(80))")
    }
  }
}
