import Foundation
import Testing
import TestSupport

/// `reconcile fmt` on real files: `--check` changes nothing and fails on what is not formatted, a file that is not JSON
/// is named and left alone, a file keeps its mode; the shipped manifests are formatted.
@Suite struct FormatCommandTests {
  @Test func fmtRewritesChecksAndLeavesBrokenFilesAlone() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let messy = #"{"resources":[{"path":"HOST/x","name":"x","kind":"file","content":"x\n"}],"apiVersion":"reconcile/v1"}"#
    try h.manifest(messy)
    let file = h.manifests + "/main.json"
    chmod(file, 0o640)
    let before = h.read(file)
    let check = try h.run(["fmt", "--check", "--manifests", h.manifests], plain: true)
    #expect(check.status == 1 && check.stdout == "not formatted: \(file)\n", "\(check.all)")
    #expect(h.read(file) == before, "--check writes nothing")
    let fmt = try h.run(["fmt", "--manifests", h.manifests], plain: true)
    #expect(fmt.status == 0 && fmt.stdout == "formatted: \(file)\n", "\(fmt.all)")
    #expect(h.read(file)?.hasPrefix("{\n  \"apiVersion\": \"reconcile/v1\",\n  \"resources\": [\n    {\n      \"kind\": \"file\",\n      \"name\": \"x\",") == true)
    var st = stat()
    #expect(stat(file, &st) == 0 && st.st_mode & 0o777 == 0o640, "the mode is kept")
    #expect(try h.run(["fmt", "--check", "--manifests", h.manifests], plain: true).stdout == "The manifests are formatted (1 file).\n")
    #expect(try h.run(["validate"]).status == 0)

    try "{\n  \"apiVersion\": \"reconcile/v1\",\n}\n".write(toFile: h.manifests + "/broken.json", atomically: true, encoding: .utf8)
    let broken = try h.run(["fmt", "--manifests", h.manifests], plain: true)
    #expect(broken.status == 1 && broken.stderr.contains("\(h.manifests)/broken.json: line 3, column 1:"), "\(broken.all)")
    #expect(h.read(h.manifests + "/broken.json") == "{\n  \"apiVersion\": \"reconcile/v1\",\n}\n")
  }

  @Test func theShippedManifestsAreFormatted() throws {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    let h = try CLIHarness()
    defer { h.cleanup() }
    let r = try h.run(["fmt", "--check", "--manifests", repository + "/manifests"], plain: true)
    #expect(r.status == 0, "\(r.all)")
  }
}
