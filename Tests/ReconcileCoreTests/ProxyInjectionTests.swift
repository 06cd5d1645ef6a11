import Foundation
import Testing

@testable import ReconcileCore

/// Every value a site renders into an nginx or Caddy configuration, given each character those configurations read
/// as syntax: the manifest is refused with an error naming the field; nothing reaches a configuration.
@Suite struct ProxyInjectionTests {
  static let syntax = [";", "{", "}", "\n", "\"", "'", "$", "\t", "#", "\\", " "]

  /// (field path in the error, the site with `X` where the hostile character goes)
  static let fields: [(String, String)] = [
    ("root", #""root": "/srv/wwwX""#),
    ("acmeWebroot", #""root": "/srv/www", "acmeWebroot": "/srv/acmeX""#),
    ("prefix", #""root": "/srv/www", "prefix": "/srv/nginxX""#),
    ("listen", #""root": "/srv/www", "listen": "127.0.0.1X:8080""#),
    ("routes[0].path", #""routes": [ { "path": "/aX/", "upstream": "127.0.0.1:9000" } ]"#),
    ("routes[0].upstream", #""routes": [ { "path": "/a/", "upstream": "127.0.0.1X:9000" } ]"#),
    ("tls.directory", #""root": "/srv/www", "tls": { "certificate": "c", "directory": "/c/siteX" }"#),
    ("tls.listen", #""root": "/srv/www", "tls": { "certificate": "c", "listen": "127.0.0.1X:8443" }"#),
    ("serverNames[0]", #""root": "/srv/www", "serverNamesX": 1"#),
    ("maxBodySize", #""root": "/srv/www", "maxBodySize": "10mX""#),
    ("rateLimit.rate", #""root": "/srv/www", "rateLimit": { "rate": "10r/sX" }"#),
  ]

  static func manifest(_ body: String, server: String = "nginx") -> String {
    #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "site", "name": "w", "server": "\#(server)", "serverNames": ["example.org"], \#(body) } ] }"#
  }

  @Test func everyRenderedFieldRefusesEveryConfigurationSyntaxCharacter() throws {
    // The templates of the repository, so what would be rendered is what a user's apply renders.
    for (field, body) in Self.fields {
      for c in Self.syntax {
        let escaped = String(data: try JSONSerialization.data(withJSONObject: [c], options: .fragmentsAllowed), encoding: .utf8)!.dropFirst(2).dropLast(2)
        let json =
          field == "serverNames[0]"
          ? Self.manifest(#""root": "/srv/www""#).replacingOccurrences(of: #"["example.org"]"#, with: "[\"example\(escaped).org\"]")
          : Self.manifest(body.replacingOccurrences(of: "X", with: String(escaped)))
        let found = issues(json)
        #expect(found.contains { $0.contains("'site/w': \(field):") }, "\(field) with \(c.debugDescription) was accepted or misreported: \(found)")
      }
    }
  }

  @Test func theCaddyAdminAddressIsCheckedToo() {
    for c in Self.syntax {
      let json = Self.manifest(
        #""root": "/srv/www", "admin": "127.0.0.1:2019\#(c == "\n" ? "\\n" : c == "\"" ? "\\\"" : c == "\\" ? "\\\\" : c == "\t" ? "\\t" : c)""#, server: "caddy")
      #expect(issues(json).contains { $0.contains("admin:") }, "admin with \(c.debugDescription)")
    }
  }

  @Test func plainValuesStillRender() throws {
    let json = Self.manifest(
      #""root": "/srv/www-1/site_a", "acmeWebroot": "/srv/acme", "listen": "[::1]:8080", "routes": [ { "path": "/api/v1/", "upstream": "http://app.internal:9000/" } ]"#)
    let m = try decode(json, templates: bundledTemplates)
    let config = (m.resources[0].spec as! SiteSpec).config.value
    #expect(config.contains("root /srv/www-1/site_a;") && config.contains("listen [::1]:8080;") && config.contains("proxy_pass http://app.internal:9000;"))
  }

  @Test func anNginxPrefixTooLongForItsStatusSocketIsRefused() {
    let long = "/srv/" + String(repeating: "p", count: 90)
    let found = issues(Self.manifest(#""root": "/srv/www", "prefix": "\#(long)""#))
    #expect(found.contains { $0.contains("prefix: is too long for nginx's status socket under it (at most 91 bytes), got 95") }, "\(found)")
  }
}
