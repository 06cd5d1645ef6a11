import Foundation
import ReconcileCore
import ReconcileDrivers
import Testing

/// Units against the real `systemd-analyze` and `systemctl --root` (systemd is not PID 1 on these machines).
@Suite struct HostUnitTests {
  static let good = #""[Unit]\nDescription=hello\n\n[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n""#

  @Test func aBadUnitIsRefusedAndNothingIsInstalled() async throws {
    let box = try HostSandbox()
    defer { box.cleanup() }
    let m = try box.manifest(#"{ "kind": "unit", "name": "bad", "root": "ROOT/sys", "content": "[Service]\nExecStart=/bin/true\nExecStrat=/bin/false\n" }"#)
    let p = try await box.plan(m, state: StateSnapshot(lineage: "t"))
    #expect(p.steps.map(\.action) == [.create])
    let error = await #expect(throws: OperationError.self) { try await box.drivers.perform(p.steps[0]) }
    let text = error?.description ?? ""
    #expect(text.hasPrefix("could not install unit/bad: systemd-analyze verify reported problems (it exits 0 on some errors): `systemd-analyze verify "), "\(text)")
    #expect(text.contains("exited with status 0:\n    ") && text.contains("Unknown key 'ExecStrat' in section [Service], ignoring."), "\(text)")
    // The parts are typed: the subject, the operation, and the command with its status.
    #expect(error?.subject == ResourceID(kind: "unit", name: "bad") && error?.operation == "install")
    guard case .command(let argv, let status, _, _)? = error?.cause else {
      Issue.record("expected a command cause, got \(String(describing: error?.cause))")
      return
    }
    #expect(Array(argv.prefix(2)) == ["systemd-analyze", "verify"] && status == 0)
    #expect(!box.exists("\(box.root)/sys/etc/systemd/system/bad.service"))
    #expect(((try? FileManager.default.contentsOfDirectory(atPath: "\(box.root)/sys/tmp")) ?? []).isEmpty)
  }

  @Test func aUnitWithAMissingBinaryIsRefusedWithItsExitStatus() async throws {
    let box = try HostSandbox()
    defer { box.cleanup() }
    let m = try box.manifest(#"{ "kind": "unit", "name": "nobin", "root": "ROOT/sys", "content": "[Service]\nExecStart=/nonexistent/binary\n" }"#)
    let p = try await box.plan(m, state: StateSnapshot(lineage: "t"))
    let error = await #expect(throws: OperationError.self) { try await box.drivers.perform(p.steps[0]) }
    #expect(error?.description.contains("Command /nonexistent/binary is not executable") == true, "\(error?.description ?? "")")
    #expect(!box.exists("\(box.root)/sys/etc/systemd/system/nobin.service"))
  }

  @Test func offlineInstallEnablesWithLinksAndIsIdempotent() async throws {
    let box = try HostSandbox()
    defer { box.cleanup() }
    let m = try box.manifest(
      #"{ "kind": "unit", "name": "hello", "root": "ROOT/sys", "content": \#(Self.good), "dropIns": { "10-env.conf": "[Service]\nEnvironment=A=1\n" } }"#)
    let state = try await box.apply(m)
    let dir = "\(box.root)/sys/etc/systemd/system"
    #expect(box.read("\(dir)/hello.service")?.contains("ExecStart=/bin/true") == true)
    #expect(box.read("\(dir)/hello.service.d/10-env.conf") == "[Service]\nEnvironment=A=1\n")
    #expect(box.mode("\(dir)/hello.service") == 0o644)
    #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/multi-user.target.wants/hello.service")) == "/etc/systemd/system/hello.service")
    let again = try await box.plan(m, state: state)
    #expect(again.isEmpty, "\(PlanTextRenderer().render(again))")

    // A change is installed offline and the plan says that nothing is restarted.
    let changed = try box.manifest(#"{ "kind": "unit", "name": "hello", "root": "ROOT/sys", "enabled": false, "content": \#(Self.good) }"#)
    let p = try await box.plan(changed, state: state)
    #expect(
      p.steps.first?.reasons == ["enabled changed: 'true' -> 'false'", "systemd is not PID 1 here: files and enable links are installed offline; nothing is started or restarted"])
    let s2 = try await box.apply(changed, state: state)
    #expect(!box.exists("\(dir)/multi-user.target.wants/hello.service"))
    #expect(try await box.plan(changed, state: s2).isEmpty)

    // Prune removes the unit, its declared drop-ins and nothing else.
    try "keep".write(toFile: "\(dir)/other.service", atomically: true, encoding: .utf8)
    let empty = try box.manifest("")
    var withDropIn = s2
    withDropIn.resources[ResourceID(kind: "unit", name: "hello")] = state.resources[ResourceID(kind: "unit", name: "hello")]
    let prune = try await box.plan(empty, state: withDropIn)
    #expect(prune.steps.map(\.action) == [.destroy])
    for s in prune.steps { try await box.drivers.perform(s) }
    #expect(!box.exists("\(dir)/hello.service") && !box.exists("\(dir)/hello.service.d"))
    #expect(box.exists("\(dir)/other.service"))
  }
}
