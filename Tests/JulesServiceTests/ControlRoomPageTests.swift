import Foundation
import Testing
@testable import JulesService
import TestSupport

/// The control-room page in a real browser (Debian's headless chromium over the DevTools protocol): the session list
/// from the API, kept live by the event stream, a refused token, and a screenshot that is a real picture of the page.
@Suite(
  .serialized,
  .enabled(
    if: HeadlessChromium.available || ProcessInfo.processInfo.environment["RECONCILE_REQUIRE_DOCKER"] == "1",
    "no /usr/bin/chromium; scripts/install-deps.sh installs it (scripts/deps/browser.txt)"))
struct ControlRoomPageTests {
  @Test func theLiveSessionListInABrowser() throws {
    let api = StandInJulesAPI(apiKey: ServiceHarness.apiKey)
    try api.start()
    defer { api.stop() }
    for i in 0..<3 { api.upsert(id: "s\(i)", title: "session \(i)") }
    let h = try ServiceHarness(["JULES_API_BASE": api.baseURL, "POLL_INTERVAL_SECONDS": "1"])
    defer { h.stop() }
    #expect(eventually(within: 10) { h.service.store.count == 3 })
    let browser = try HeadlessChromium()
    try browser.navigate("\(h.base)/ui#token=\(ServiceHarness.token)")

    func rows() -> Int { (try? browser.evaluate("document.querySelectorAll('#sessions tbody tr').length")) as? Int ?? -1 }
    func text(_ js: String) -> String { ((try? browser.evaluate(js)) as? String) ?? "" }
    #expect(eventually(within: 20, every: 0.1) { rows() == 3 && text("document.getElementById('status').textContent") == "live" }, "\(rows()) rows")
    #expect(text("location.href") == "\(h.base)/ui/", "redirected to /ui/, and the token leaves the address bar")
    #expect(text("document.querySelector('tr[data-id=\"s1\"] td:nth-child(2)').textContent") == "session 1")

    // A change in the Jules API reaches the open page through the stream.
    api.upsert(id: "s1", title: "session 1", state: "COMPLETED")
    let row = "document.querySelector('tr[data-id=\"s1\"]')"
    #expect(eventually(within: 20, every: 0.1) { text("\(row).dataset.state") == "COMPLETED" && text("\(row).dataset.change") == "updated" })
    #expect(text("\(row).children[3].textContent").hasPrefix("updated at "))
    api.delete(id: "s2")
    #expect(eventually(within: 20, every: 0.1) { rows() == 2 })

    // What the page looks like: a PNG of the window's size, with more than one colour in it.
    let png = try browser.screenshot()
    #expect(png.prefix(8) == Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
    let viewport = try #require(try browser.evaluate("[innerWidth * devicePixelRatio, innerHeight * devicePixelRatio].join('x')") as? String)
    #expect("\(width)x\(height)" == viewport, "the screenshot is the viewport (\(viewport))")
    #expect(png.count > 10_000, "\(png.count) bytes: a blank page compresses to almost nothing")
    let shot = NSTemporaryDirectory() + "jules-control-room.png"
    try png.write(to: URL(fileURLWithPath: shot))
    print("control room: 2 sessions live in chromium; screenshot \(width)x\(height), \(png.count) bytes at \(shot)")

    // A wrong token: nothing is listed and the page asks for one.
    try browser.navigate("\(h.base)/ui/?again#token=wrong")  // another query: a load, not a jump within the page
    #expect(eventually(within: 20, every: 0.1) { text("document.getElementById('status').textContent") == "token refused" })
    #expect((try browser.evaluate("document.getElementById('login').hidden")) as? Bool == false && rows() == 0)
  }

  @Test func thePageAllowsNothingFromElsewhereAndKeepsTheAllowlist() throws {
    let h = try ServiceHarness(["ALLOWLIST": "10.0.0.0/8", "TRUSTED_PROXIES": "127.0.0.1/32"])
    defer { h.stop() }
    let redirect = try h.request("/ui", token: nil, headers: [("X-Forwarded-For", "10.1.1.1")])
    #expect(redirect.status == 301 && redirect.headers["location"] == "ui/", "relative: the page works under a proxy's prefix")
    let page = try h.request("/ui/", token: nil, headers: [("X-Forwarded-For", "10.1.1.1")])
    #expect(page.status == 200 && page.text.contains("<title>Jules control room</title>"))
    #expect(page.headers["content-security-policy"]?.contains("default-src 'none'; script-src 'self'") == true)
    #expect(!page.text.contains("http://") && !page.text.contains("https://") && !page.text.contains("\"/"), "no external assets, no absolute paths")
    #expect(try h.request("/ui/app.js", token: nil, headers: [("X-Forwarded-For", "10.1.1.1")]).headers["content-type"]?.hasPrefix("text/javascript") == true)
    #expect(try h.request("/ui", token: nil, headers: [("X-Forwarded-For", "192.168.1.1")]).status == 403)
  }
}
