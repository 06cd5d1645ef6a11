import Foundation
import ReconcileCore

/// A set of unit files for one target: what to write (`NAME.service`, `NAME.service.d/10-x.conf`), verified
/// together before any is installed, then written into the unit directory.
struct UnitFiles: Sendable {
  let system: TargetSystem
  /// File name relative to the unit directory → content.
  let files: [String: String]

  var directory: String { system.target.unitDirectory }

  /// Verifies every file with `systemd-analyze verify`, then writes them (mode 0644). Nothing is written when verify fails.
  func install(subject: ResourceID, redactor: Redactor) throws {
    try UnitVerifier(system: system).verify(files, subject: subject, redactor: redactor)
    for (name, content) in files.sorted(by: { $0.key < $1.key }) {
      try system.write("\(directory)/\(name)", content, mode: 0o644, redactor: redactor)
    }
  }

  /// Removes the files and any drop-in directory left empty.
  func remove() throws {
    for name in files.keys.sorted(by: >) { try system.remove("\(directory)/\(name)") }
    for name in Set(files.keys.filter { $0.contains("/") }.map { String($0.split(separator: "/")[0]) }) {
      system.removeEmptyDirectory("\(directory)/\(name)")
    }
  }

  /// The files of a `unit` spec.
  static func of(_ spec: UnitSpec) -> [String: String] {
    var files = [spec.unitName: spec.content.value]
    for (name, text) in spec.dropIns { files["\(spec.unitName).d/\(name)"] = text.value }
    return files
  }
}

/// What `systemctl show` says about a unit.
struct UnitStatus: Sendable {
  var properties: [String: String]

  static let names = ["ActiveState", "SubState", "UnitFileState", "NRestarts"]

  /// Calls `systemctl show UNIT -p ActiveState,SubState,UnitFileState,NRestarts` in the target.
  static func read(_ unit: String, in system: TargetSystem) throws -> UnitStatus {
    let r = try system.systemctl(["show", unit, "-p", names.joined(separator: ",")], live: true)
    guard r.status == 0 else { throw r.failure(doing: "observe unit '\(unit)'") }
    var p: [String: String] = [:]
    for line in r.output.split(separator: "\n") {
      guard let eq = line.firstIndex(of: "=") else { continue }
      p[String(line[..<eq])] = String(line[line.index(after: eq)...])
    }
    return UnitStatus(properties: p)
  }
}
