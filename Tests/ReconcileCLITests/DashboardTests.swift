import Foundation
import Testing
import TestSupport

/// The controller's page in a real browser (Debian's headless chromium over the DevTools protocol), after a real apply
/// and a real drift: signed in through its form (an HTTP-only cookie), the dependency graph coloured by sync, a
/// resource's details and history by keyboard, the runs, drift over time, and the page following the next run live.
/// Screenshots at 1280 and 390 px are real pictures of it.
@Suite(
  .serialized,
  .enabled(
    if: HeadlessChromium.available || ProcessInfo.processInfo.environment["RECONCILE_REQUIRE_DOCKER"] == "1",
    "no /usr/bin/chromium; scripts/install-deps.sh installs it (scripts/deps/browser.txt)"))
struct DashboardTests {
  @Test func theGraphHistoryAndDriftInABrowser() throws {
    let h = try CLIHarness()
    defer { h.cleanup() }
    try h.manifest(
      #"""
      { "apiVersion": "reconcile/v1", "policy": { "selfHeal": false }, "resources": [
        { "kind": "directory", "name": "www", "path": "HOST/www" },
        { "kind": "file", "name": "index", "path": "HOST/www/index.html", "content": "hello\n", "dependsOn": ["directory/www"] },
        { "kind": "file", "name": "about", "path": "HOST/www/about.html", "content": "about\n", "dependsOn": ["directory/www"] } ] }
      """#)
    let c = try ControllerProcess(h, [])
    defer { c.terminate() }
    #expect(eventually(within: 30) { c.lastRunOutcome == "succeeded" && h.read(h.host + "/www/index.html") == "hello\n" }, "\(c.log)")
    // A real drift, reported (self-heal is off): the file changed behind reconcile's back.
    try "changed by hand\n".write(toFile: h.host + "/www/index.html", atomically: false, encoding: .utf8)
    #expect(eventually(within: 30) { (c.status()["resources"] as? [[String: Any]])?.contains { $0["sync"] as? String == "drifted" } == true })

    let browser = try HeadlessChromium(size: (1280, 900))
    let base = "http://127.0.0.1:\(c.port)"
    func text(_ js: String) -> String { ((try? browser.evaluate(js)) as? String) ?? "" }
    func number(_ js: String) -> Int { ((try? browser.evaluate(js)) as? Int) ?? -1 }
    try browser.navigate("\(base)/ui/")
    #expect(eventually(within: 20, every: 0.1) { number("document.querySelectorAll('#token').length") == 1 }, "the sign-in form")
    // A wrong token is refused; the right one opens the page, and the cookie is out of JavaScript's reach.
    try browser.evaluate("document.getElementById('token').value = 'wrong'; document.querySelector('form').submit(); 1")
    #expect(eventually(within: 20, every: 0.1) { text("document.querySelector('.error') ? document.querySelector('.error').textContent : ''").contains("not the controller's") })
    try browser.evaluate("document.getElementById('token').value = '\(c.token)'; document.querySelector('form').submit(); 1")
    #expect(eventually(within: 20, every: 0.1) { number("document.querySelectorAll('#graph .node').length") == 3 }, "\(text("document.body.innerText"))")
    #expect(text("document.cookie") == "", "HttpOnly")

    // The graph: each resource coloured by its sync, an edge per dependency.
    let node = { (address: String) in "document.querySelector('.node[data-address=\"\(address)\"]')" }
    #expect(text("\(node("file/index")).getAttribute('class')").contains("drifted"))
    #expect(text("\(node("file/about")).getAttribute('class')").contains("in-sync"))
    #expect(text("\(node("directory/www")).getAttribute('class')").contains("in-sync"))
    #expect(number("document.querySelectorAll('#graph line.edge').length") == 2)
    #expect(text("document.getElementById('state').textContent").hasPrefix("ready"))
    // The runs with their steps, and drift over time.
    #expect(text("document.getElementById('runs').innerText").contains("file/index: create succeeded in"))
    #expect(text("document.getElementById('drift-now').textContent").hasPrefix("1 drifted after the last run"), "\(text("document.getElementById('drift-now').textContent"))")

    // By keyboard: focus a resource, Enter, its details and history.
    try browser.evaluate(
      "\(node("file/index")).focus(); \(node("file/index")).dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true})); 1")
    #expect(eventually(within: 10, every: 0.1) { text("document.querySelector('#details h2').textContent") == "file/index" })
    #expect(text("document.getElementById('details').innerText").contains("drifted") && number("document.querySelectorAll('#resource-history li').length") >= 1)

    // Live: the file put back, the next run is pushed to the open page and it turns green.
    try "hello\n".write(toFile: h.host + "/www/index.html", atomically: false, encoding: .utf8)
    #expect(eventually(within: 30, every: 0.2) { text("\(node("file/index")).getAttribute('class')").contains("in-sync") }, "the page did not follow the run")

    // Both widths: one column at 390 px, the picture not blank and of the viewport's size.
    for (width, height) in [(1280, 900), (390, 844)] {
      try browser.call("Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500])
      #expect(eventually(within: 10, every: 0.1) { number("innerWidth") == width })
      let columns = text("getComputedStyle(document.querySelector('main')).gridTemplateColumns").split(separator: " ").count
      #expect(columns == (width < 700 ? 1 : 2), "\(columns) columns at \(width) px")
      #expect(number("document.documentElement.scrollWidth") <= width, "nothing wider than the screen but the graph's own scroller")
      let png = try browser.screenshot()
      let w = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, hgt = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
      #expect(w == width && hgt == height && png.count > 10_000, "\(w)x\(hgt), \(png.count) bytes")
      let shot = NSTemporaryDirectory() + "reconcile-dashboard-\(width).png"
      try png.write(to: URL(fileURLWithPath: shot))
      print("dashboard at \(width) px: \(w)x\(hgt), \(png.count) bytes at \(shot)")
    }
    #expect(c.stop() == 0)
  }
}
