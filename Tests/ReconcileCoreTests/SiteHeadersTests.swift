import Foundation
import Testing

@testable import ReconcileCore

/// A site's own response headers (beside or instead of the security defaults) and HTTP/2, without a template of
/// one's own, on both servers; values the configuration would read as syntax are refused.
@Suite struct SiteHeadersTests {
  static func site(_ server: String, headers: String, tls: String = "") -> String {
    ProxyPlanTests.manifest(
      (tls.isEmpty ? "" : ProxyPlanTests.cert + ",")
        + #"{ "kind": "site", "name": "web", "server": "\#(server)", "serverNames": ["a.example.org"], "root": "/srv/www", \#(tls) "headers": \#(headers) }"#)
  }

  static func config(_ json: String) throws -> String {
    let m = try decode(json, templates: bundledTemplates)
    return try #require(m[ResourceID(kind: "site", name: "web")]?.spec as? SiteSpec).config.value
  }

  @Test func headersReplaceOrJoinTheDefaultsOnNginx() throws {
    let text = try Self.config(
      Self.site(
        "nginx", headers: #"{ "Content-Security-Policy": "default-src 'self'", "Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "" }"#,
        tls: #""tls": { "certificate": "site" },"#))
    #expect(
      text.contains(
        """
            add_header X-Content-Type-Options nosniff always;
            add_header Cache-Control no-store always;
            add_header Content-Security-Policy "default-src 'self'" always;
            add_header X-Frame-Options DENY always;
            client_max_body_size 10m;
        """), "\(text)")
    #expect(!text.contains("Referrer-Policy") && !text.contains("SAMEORIGIN"), "an empty value drops a default: \(text)")
    #expect(text.contains("listen 443 ssl http2;"), "\(text)")
    let h1 = try Self.config(Self.site("nginx", headers: "{}", tls: #""tls": { "certificate": "site", "http2": false },"#))
    #expect(h1.contains("listen 443 ssl;") && h1.contains("add_header Referrer-Policy strict-origin-when-cross-origin always;"), "\(h1)")
  }

  @Test func headersOnCaddy() throws {
    let text = try Self.config(Self.site("caddy", headers: #"{ "Cache-Control": "public, max-age=3600" }"#))
    #expect(
      text.contains(
        """
        \theader {
        \t\tX-Content-Type-Options nosniff
        \t\tX-Frame-Options SAMEORIGIN
        \t\tReferrer-Policy strict-origin-when-cross-origin
        \t\tCache-Control "public, max-age=3600"
        \t}
        """), "\(text)")
  }

  @Test func valuesTheConfigurationWouldReadAsSyntaxAreRefused() {
    let cases: [(String, String)] = [
      (#"{ "X-Bad": "a\"b" }"#, #"headers.X-Bad: a header value cannot hold '"' (the server's configuration would read it as syntax or a variable)"#),
      (#"{ "X-Var": "$host" }"#, "headers.X-Var: a header value cannot hold '$' (the server's configuration would read it as syntax or a variable)"),
      (#"{ "X-Brace": "{path}" }"#, "headers.X-Brace: a header value cannot hold '{' (the server's configuration would read it as syntax or a variable)"),
      (#"{ "Bad Name": "x" }"#, #"headers: expected a header name like "Cache-Control" (letters, digits, '-'), got 'Bad Name'"#),
    ]
    for (headers, message) in cases {
      do {
        _ = try decode(Self.site("nginx", headers: headers), templates: bundledTemplates)
        Issue.record("expected an error for \(headers)")
      } catch {
        #expect(error.issues.map(\.description) == ["m.json: resources[0] 'site/web': \(message)"], "\(error.issues)")
      }
    }
  }
}
