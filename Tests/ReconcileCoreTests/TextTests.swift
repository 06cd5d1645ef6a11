import Foundation
import Testing
@testable import ReconcileCore
import Essentials

@Suite struct TemplateTests {
  func render(_ t: String, _ ctx: [String: TemplateValue], escaping: TemplateEscaping = .none, partials: [String: String] = [:]) throws -> String {
    try Template(parsing: t, file: "t.mustache").render(ctx, escaping: escaping, partials: MemoryTemplates(files: partials))
  }

  @Test func variablesSectionsInvertedAndPartials() throws {
    let t = """
      server {{name}};
      {{#routes}}
      location {{path}} { proxy_pass {{upstream}}; }
      {{/routes}}
      {{^routes}}
      # no routes
      {{/routes}}
      {{#tls}}ssl on;{{/tls}}
      {{> footer}}
      """
    let ctx: [String: TemplateValue] = [
      "name": .text("example.org"), "tls": .bool(true),
      "routes": .list([.object(["path": .text("/a/"), "upstream": .text("http://a")]), .object(["path": .text("/b/"), "upstream": .text("http://b")])]),
    ]
    #expect(
      try render(t, ctx, partials: ["footer": "# end {{name}}"]) == """
        server example.org;
        location /a/ { proxy_pass http://a; }
        location /b/ { proxy_pass http://b; }
        ssl on;
        # end example.org
        """)
  }

  @Test func escapingIsChosenByTheCallerAndTripleBracesNeverEscape() throws {
    let ctx: [String: TemplateValue] = ["v": .text("<a & 'b'>")]
    #expect(try render("{{v}}|{{{v}}}|{{&v}}", ctx, escaping: .html) == "&lt;a &amp; &#39;b&#39;&gt;|<a & 'b'>|<a & 'b'>")
    #expect(try render("{{v}}", ctx) == "<a & 'b'>")
  }

  @Test func errorsNameTheFileAndLine() {
    #expect(throws: TemplateError(file: "t.mustache", line: 2, message: "section 'x' is never closed")) { try render("a\n{{#x}}\nb", [:]) }
    #expect(throws: TemplateError(file: "t.mustache", line: 3, message: "'missing' is not defined")) { try render("a\nb\n{{missing}}", [:]) }
    #expect(throws: TemplateError(file: "t.mustache", line: 1, message: "'{{/y}}' closes section 'x' opened on line 1")) { try render("{{#x}}{{/y}}", ["x": .bool(true)]) }
    #expect(throws: TemplateError(file: "t.mustache", line: 1, message: "partial 'p' was not found")) { try render("{{> p}}", [:]) }
  }

  @Test func fileKindRendersTemplatesAndMarksSecretsSensitive() throws {
    let m = try decode(
      #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "file", "name": "c", "path": "/c", "template": { "name": "c.mustache", "vars": { "user": "bob", "pw": "${secret.PW}" } } } ] }"#,
      secrets: ["PW": "s3cret-pw"], templates: ["c.mustache": "user={{user}} pw={{pw}}\n"])
    let spec = try #require(m.resources.first?.spec as? FileSpec)
    #expect(spec.content == Text("user=bob pw=s3cret-pw\n", sensitive: true))
  }
}

@Suite struct LineDiffTests {
  @Test func hunksWithContext() {
    let old = (1...20).map { "l\($0)" }.joined(separator: "\n") + "\n"
    let new = old.replacingOccurrences(of: "l10\n", with: "ten\n")
    #expect(LineDiff.unified(from: old, to: new) == ["@@ -7,7 +7,7 @@", " l7", " l8", " l9", "-l10", "+ten", " l11", " l12", " l13"])
    #expect(LineDiff.unified(from: old, to: old) == [])
  }

  /// The script turns the old lines into the new ones and is as short as a shortest one (checked against the
  /// longest common subsequence by dynamic programming), for 300 random pairs of small texts.
  @Test func scriptsAreCorrectAndMinimal() {
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<300 {
      let a = (0..<Int.random(in: 0...25, using: &rng)).map { _ in "l\(Int.random(in: 0...5, using: &rng))" }
      let b = (0..<Int.random(in: 0...25, using: &rng)).map { _ in "l\(Int.random(in: 0...5, using: &rng))" }
      guard let edits = LineDiff.diff(a, b) else {
        Issue.record("no script for \(a) -> \(b)")
        continue
      }
      var rebuiltOld: [String] = [], rebuiltNew: [String] = []
      for e in edits {
        switch e {
        case .same(let s): rebuiltOld.append(s); rebuiltNew.append(s)
        case .removed(let s): rebuiltOld.append(s)
        case .added(let s): rebuiltNew.append(s)
        }
      }
      #expect(rebuiltOld == a && rebuiltNew == b, "\(a) -> \(b)")
      let changes = edits.filter { !LineDiff.isSame($0) }.count
      #expect(changes == a.count + b.count - 2 * Self.lcs(a, b), "\(a) -> \(b)")
    }
  }

  static func lcs(_ a: [String], _ b: [String]) -> Int {
    var row = [Int](repeating: 0, count: b.count + 1)
    for x in a {
      var diagonal = 0
      for j in 1...max(b.count, 1) where j <= b.count {
        let up = row[j]
        row[j] = x == b[j - 1] ? diagonal + 1 : max(row[j], row[j - 1])
        diagonal = up
      }
    }
    return row[b.count]
  }

  /// Large texts: a few changed lines in 100,000 are found; a complete rewrite of 100,000 lines is given up on
  /// within the work bound, and the plan shows sizes instead of a diff.
  @Test func largeTextsStayWithinTheWorkBound() {
    let old = (1...100_000).map { "line \($0)" }.joined(separator: "\n") + "\n"
    let edited = old.replacingOccurrences(of: "line 5000\n", with: "five thousand\n").replacingOccurrences(of: "line 90000\n", with: "")
    let hunks = LineDiff.unified(from: old, to: edited)
    #expect(hunks?.filter { $0.hasPrefix("@@") }.count == 2)
    let rewrite = (1...100_000).map { "row \($0 * 7)" }.joined(separator: "\n") + "\n"
    #expect(LineDiff.unified(from: old, to: rewrite) == nil)
    let shown = PlanTextRenderer(style: .plain).field(
      FieldChange(field: "content", before: .content(old), after: .content(rewrite)), width: 7, action: .update)
    #expect(shown.count == 1 && shown[0].hasSuffix("(too different to show line by line)"), "\(shown)")
  }

  @Test func missingFinalNewlineIsShown() {
    #expect(LineDiff.unified(from: "a\n", to: "a") == ["@@ -1,1 +1,1 @@", "-a", "+a\n\\ No newline at end of file"])
  }
}

@Suite struct DigestTests {
  @Test func sha256KnownVectors() {
    #expect(SHA256.hash("").hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256.hash("abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(SHA256.hash(String(repeating: "a", count: 1000)).hex == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
  }

  /// Streamed in uneven pieces, and a copy of a running hash goes on by itself (the context is a value).
  @Test func streamingAndCopiesAreIndependent() {
    var h = SHA256()
    let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    var at = 0
    for size in [1, 63, 64, 65, 4096] + Array(repeating: 100_000, count: 9) where at < million.count {
      let end = min(at + size, million.count)
      million[at..<end].withUnsafeBytes { h.update($0) }
      at = end
    }
    million[at...].withUnsafeBytes { h.update($0) }
    var copy = h
    copy.update("more")
    #expect(h.finalize().hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    #expect(copy.finalize().hex != "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func hmacRFC4231Case2() {
    #expect(HMACSHA256(key: Array("Jefe".utf8)).mac("what do ya want for nothing?") == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
  }
}

@Suite struct InterpolatorTests {
  @Test func literalDollarBraceAndSensitivity() {
    let i = Interpolator(variables: ["a": Text("x")], secrets: FixedSecrets(["S": "y-secret", "SHORT": "abc"]))
    var problems: [String] = []
    #expect(i.resolve(Text("$${a} ${var.a}"), path: "p") { problems.append($1) } == Text("${a} x"))
    #expect(i.resolve(Text("${secret.S}!"), path: "p") { problems.append($1) } == Text("y-secret!", sensitive: true))
    #expect(i.resolve(Text("${env.HOME}"), path: "p") { problems.append($1) } == Text(""))
    #expect(problems == ["unknown reference '${env.HOME}': expected ${var.NAME}, ${secret.NAME}, ${reconcile.NAME}, ${module.INSTANCE.OUTPUT} or ${input.NAME} (in a module)"])
    // A secret too short to redact safely ('abc' would be cut out of ordinary words, giving it away) is refused.
    _ = i.resolve(Text("${secret.SHORT}"), path: "p") { problems.append($1) }
    #expect(problems.last == "secret 'SHORT' is 3 bytes long; a secret must have at least 8")
  }

  @Test func durations() {
    #expect(FieldReader.parseDuration("1h30m") == 5400)
    #expect(FieldReader.parseDuration("250ms") == 0.25)
    #expect(FieldReader.parseDuration("10") == nil)
    #expect(FieldReader.parseDuration("5x") == nil)
  }
}

/// The redactor every output passes through.
@Suite struct RedactorTests {
  @Test func aSecretThatContainsAnotherIsRedactedWhole() {
    let r = Redactor(secrets: ["pass", "password123"])
    #expect(r.redact("token=password123 and pass") == "token=(sensitive value) and (sensitive value)")
  }

  @Test func everyOccurrenceIsRedactedAndTextWithoutSecretsIsUntouched() {
    let r = Redactor(secrets: ["s3cr3t-value"])
    #expect(r.redact("a s3cr3t-value b s3cr3t-value") == "a (sensitive value) b (sensitive value)")
    #expect(r.redact("nothing here") == "nothing here")
  }
}

/// `PathText.parent` answers as NSString does, and also for the one-character paths NSString traps on.
@Suite struct PathTextTests {
  @Test func parentsLikeNSString() {
    for path in ["a/b", "/a", "/", "", "ab", "a/b/", "/a/b/c", "a//b", "./x", "../x/y"] {
      #expect(PathText.parent(path) == (path as NSString).deletingLastPathComponent, "\(path)")
    }
    #expect(PathText.parent("m") == "" && PathText.parent("/m/") == "/" && PathText.parent("m/x") == "m")
  }

  @Test func sizesAndRequestRates() {
    for s in ["10m", "512k", "4096", "1G"] { #expect(ConfigValue.isSize(s, units: "kmgKMG"), "\(s)") }
    for s in ["", "m", "10mm", "10 m", "1.5m", "-1", "10t", "١٠m"] { #expect(!ConfigValue.isSize(s, units: "kmgKMG"), "\(s)") }
    #expect(!ConfigValue.isSize("10M", units: "kmg"))
    for s in ["10r/s", "600r/m"] { #expect(ConfigValue.isRequestRate(s), "\(s)") }
    for s in ["r/s", "10r/h", "10/s", "1.5r/s", "10r/sec", "x10r/s"] { #expect(!ConfigValue.isRequestRate(s), "\(s)") }
  }

  @Test func aParentComponentInAFilePath() {
    for p in ["/a/../b", "/a/..", "/..", "/../", "/x/y/../"] { #expect(OwnershipFields.hasParentComponent(p), "\(p)") }
    for p in ["/a/...", "/a/..b", "/a/b..", "/.a", "/", "/a/./b", "/a.."] { #expect(!OwnershipFields.hasParentComponent(p), "\(p)") }
  }

  @Test func lexicalNormalisationNeverLooksAtTheFileSystem() {
    let cases = [
      "/a//b/./c/../d/": "/a/b/d", "/..": "/", "/": "/", "//": "/", "/a/..": "/", "a/../..": "..", "./x": "x",
      "../x/y": "../x/y", "": ".", "a/b/": "a/b",
      // /var/run is a symbolic link to /run here: the text stays what was declared.
      "/var/run/x": "/var/run/x",
    ]
    for (path, expected) in cases { #expect(PathText.lexical(path) == expected, "\(path)") }
    // Every path of up to four components among these, against the definition (the fast path for paths already in
    // shape must agree with it).
    func reference(_ p: String) -> String {
      var out: [String] = []
      for c in p.split(separator: "/", omittingEmptySubsequences: true).map(String.init) where c != "." {
        if c == "..", let last = out.last, last != ".." {
          out.removeLast()
        } else if c == "..", p.hasPrefix("/") {
          continue
        } else {
          out.append(c)
        }
      }
      let joined = out.joined(separator: "/")
      return p.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
    let parts = ["", ".", "..", "a", "...", ".b"]
    var paths = [""]
    for _ in 0..<4 { paths = paths + paths.flatMap { p in parts.map { p.isEmpty ? $0 : p + "/" + $0 } } }
    for p in Set(paths + paths.map { "/" + $0 }) { #expect(PathText.lexical(p) == reference(p), "\(p)") }
  }
}

@Suite("Percent-encoding of URL parts")
struct PercentEncodingTests {
  @Test func unreservedBytesStayAndEveryOtherByteIsEncoded() {
    #expect(PercentEncoding.encode("web-1.a_b~") == "web-1.a_b~")
    #expect(PercentEncoding.encode("{\"label\":[\"a=b c\"]}") == "%7B%22label%22%3A%5B%22a%3Db%20c%22%5D%7D")
    #expect(PercentEncoding.encode("é/x") == "%C3%A9%2Fx", "UTF-8 bytes, each encoded")
    #expect(PercentEncoding.encode("registry:5000/app@sha256:ab", keeping: ":@/") == "registry:5000/app@sha256:ab")
    #expect(PercentEncoding.encode("100%") == "100%25")
  }
}
