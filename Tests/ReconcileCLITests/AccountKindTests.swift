import Foundation
import Testing
import TestSupport

/// `user` and `group` with Debian's shadow tools on a root of their own (`--prefix`): a service user made as a seed
/// makes it (`useradd -r`), idempotent, changed in place, and removed with the manifests before its group.
@Suite struct AccountKindTests {
  @Test func aServiceUserAndItsGroupLiveAsTheManifestsSay() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    let root = h.root + "/sysroot"
    try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
    let files = [
      "passwd": "root:x:0:0:root:/root:/bin/bash\n", "group": "root:x:0:\ndocker:x:999:\nadm:x:4:\n", "shadow": "root:*:19000:0:99999:7:::\n",
      "gshadow": "root:*::\ndocker:!::\nadm:*::\n",
    ]
    for (name, text) in files { try text.write(toFile: "\(root)/etc/\(name)", atomically: true, encoding: .utf8) }
    func manifest(shell: String, groups: String) -> String {
      #"""
      { "apiVersion": "reconcile/v1", "resources": [
        { "kind": "group", "name": "jit", "root": "\#(root)" },
        { "kind": "user", "name": "jit", "group": "jit", "groups": \#(groups), "home": "/var/lib/jit", "shell": "\#(shell)", "root": "\#(root)" } ] }
      """#
    }
    func line(_ file: String, _ name: String) -> String? {
      (try? String(contentsOfFile: "\(root)/etc/\(file)", encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix(name + ":") }.map(String.init)
    }
    try h.manifest(manifest(shell: "/usr/sbin/nologin", groups: #"["docker"]"#))
    let created = try h.run(["apply", "--auto-approve"])
    #expect(created.status == 0, "\(created.all)")
    #expect(created.stdout.contains("+ group/jit (not present on the host)") && created.stdout.contains("+ user/jit (not present on the host)"), "\(created.stdout)")
    let gid = try #require(line("group", "jit")?.split(separator: ":")[2])
    let user = try #require(line("passwd", "jit"))
    #expect(user.hasSuffix(":\(gid)::/var/lib/jit:/usr/sbin/nologin"), "\(user)")
    #expect(Int(user.split(separator: ":")[2])! < 1000, "a system uid: \(user)")
    #expect(line("group", "docker") == "docker:x:999:jit")
    #expect(try h.run(["plan"]).stdout.contains("No changes."))

    // Changed in place: another shell, other supplementary groups.
    try h.manifest(manifest(shell: "/bin/false", groups: #"["adm"]"#))
    let changed = try h.run(["apply", "--auto-approve"])
    #expect(changed.stdout.contains("~ user/jit (groups changed: 'docker' -> 'adm'; shell changed: '/usr/sbin/nologin' -> '/bin/false')"), "\(changed.all)")
    #expect(line("passwd", "jit")?.hasSuffix(":/bin/false") == true && line("group", "docker") == "docker:x:999:" && line("group", "adm") == "adm:x:4:jit")
    #expect(try h.run(["plan"]).stdout.contains("No changes."))

    // Gone with the manifests: the user first, then its group.
    try h.manifest(#"{ "apiVersion": "reconcile/v1", "resources": [] }"#)
    let removed = try h.run(["apply", "--auto-approve"])
    #expect(removed.status == 0, "\(removed.all)")
    #expect(line("passwd", "jit") == nil && line("group", "jit") == nil, "\(removed.all)")
  }
}
