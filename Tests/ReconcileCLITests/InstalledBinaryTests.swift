import Foundation
import Testing

/// What an installed binary needs from nowhere but itself and its command line: the bundled templates, and
/// scheduled runs that repeat the apply's own options and environment.
@Suite struct InstalledBinaryTests {
  @Test func sitesRenderWithTheBuiltInTemplatesFromAnyDirectory() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(
      #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "site", "name": "w", "prefix": "HOST/nginx", "serverNames": ["a.example"], "listen": "127.0.0.1:18089", "root": "HOST/www" } ] }"#
    )
    let r = try h.run(["plan"], in: "/")
    #expect(r.status == 0 && r.stdout.contains("+ site/w (not present on the host)"), "\(r.all)")
  }

  @Test func aScheduledRunRepeatsTheApplysOptionsAndEnvironment() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try FileManager.default.createDirectory(atPath: h.root + "/secrets", withIntermediateDirectories: true)
    try "TOKEN=abcdefgh-token\n".write(toFile: h.root + "/custom.env", atomically: true, encoding: .utf8)
    try FileManager.default.createDirectory(atPath: h.root + "/overrides", withIntermediateDirectories: true)
    try h.manifest(
      #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "backup", "name": "data", "sources": [ { "path": "HOST" } ], "destination": "\#(h.root)/backups", "schedule": "@daily", "cronDirectory": "\#(h.root)/cron.d" } ] }"#
    )
    let options = ["--env-file", h.root + "/custom.env", "--secrets-dir", h.root + "/secrets", "--templates", h.root + "/overrides"]
    let apply = try h.run(["apply", "--auto-approve"] + options, env: ["DOCKER_HOST": "unix:///tmp/reconcile-docker/docker.sock"])
    #expect(apply.status == 0, "\(apply.all)")
    let cron = h.read(h.root + "/cron.d/reconcile-backup-data") ?? ""
    let repeated = "--templates \(h.root)/overrides --env-file \(h.root)/custom.env --secrets-dir \(h.root)/secrets"
    #expect(cron.contains("run-job backup-data --manifests \(h.manifests) --state \(h.state) \(repeated)\n"), "\(cron)")
    let job = h.read(h.state + "/jobs/backup-data/job.json") ?? ""
    #expect(job.contains("\"DOCKER_HOST\" : \"unix:///tmp/reconcile-docker/docker.sock\""), "\(job)")
    #expect(job.contains("\"--templates\"") && job.contains("\"--env-file\""), "\(job)")
    // The scheduled run itself, through run-job as cron calls it.
    let run = try h.run(["run-job", "backup-data"] + options)
    #expect(run.status == 0 && run.stdout.contains("succeeded"), "\(run.all)")
  }

  /// A one-letter manifests directory (a path Foundation's NSString trapped on).
  @Test func aOneLetterManifestsDirectoryWorks() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try FileManager.default.createDirectory(atPath: h.root + "/m", withIntermediateDirectories: true)
    try demoManifest.replacingOccurrences(of: "HOST", with: h.host).write(toFile: h.root + "/m/m.json", atomically: true, encoding: .utf8)
    let r = try h.run(["plan", "--manifests", "m", "--state", "s"], plain: true)
    #expect(r.status == 0 && r.stdout.contains("Plan: 2 to add"), "\(r.all)")
  }

  @Test func anOptionGivenTwiceIsAnError() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(demoManifest)
    let r = try h.run(["plan", "--manifests", h.manifests, "--manifests", h.root], plain: true)
    #expect(r.status == 1 && r.stderr.contains("--manifests is given twice ('\(h.manifests)' and '\(h.root)'); give it once"), "\(r.all)")
  }

  /// libcurl and libmicrohttpd (with gnutls, krb5, ldap and some twenty more behind them) are loaded by the first
  /// request over TCP and the first server, not by every start: a plan of files loads neither, and neither does one
  /// that asks the Engine (HTTP on its unix socket is the socket calls'). Seen through the dynamic loader's own trace
  /// (LD_DEBUG=files names each library it opens).
  @Test func theHTTPLibrariesAreLoadedOnlyWhenUsed() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(demoManifest)
    let files = try h.run(["plan"], env: ["LD_DEBUG": "files"])
    #expect(files.status == 0 && files.stdout.contains("Plan: 2 to add"), "\(files.all)")
    #expect(files.stderr.contains("libcrypto.so"), "the trace names the libraries opened: \(files.stderr.prefix(2000))")
    #expect(!files.stderr.contains("libcurl.so") && !files.stderr.contains("libmicrohttpd.so"), "\(files.stderr)")
    guard TestEngine.enabled else { return }
    try h.manifest(
      #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "network", "name": "rc-lazy-\#(UUID().uuidString.prefix(6).lowercased())" } ] }"#
    )
    let docker = try h.run(["plan"], env: ["LD_DEBUG": "files", "DOCKER_HOST": TestEngine.host])
    #expect(docker.status == 0 && docker.stdout.contains("Plan: 1 to add"), "\(docker.all)")
    #expect(docker.stderr.contains("libcrypto.so"), "\(docker.stderr.prefix(2000))")
    #expect(!docker.stderr.contains("libcurl.so") && !docker.stderr.contains("libmicrohttpd.so"), "\(docker.stderr)")
  }
}
