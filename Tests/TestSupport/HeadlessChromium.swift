import Foundation
import HTTPKit
import JulesService

/// Debian's `chromium`, headless, driven over the DevTools protocol (a WebSocket of JSON commands): navigate, evaluate
/// JavaScript in the page, capture a screenshot. A real browser, so a page is tested as people see it.
public final class HeadlessChromium: @unchecked Sendable {
  public static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") }

  let process = Process()
  let profile = NSTemporaryDirectory() + "chromium-\(UUID().uuidString.prefix(8))"
  private var socket: RawSocketClient!
  private var nextID = 0

  /// `size`: the window, width and height (the page is drawn at that viewport).
  public init(size: (Int, Int) = (1000, 700)) throws {
    try? FileManager.default.createDirectory(atPath: profile, withIntermediateDirectories: true)
    process.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
    process.arguments = [
      "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--window-size=\(size.0),\(size.1)",
      "--remote-debugging-port=0", "--user-data-dir=\(profile)", "about:blank",
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Chromium writes the port it took to DevToolsActivePort in its profile.
    var port: UInt16?
    let deadline = Date().addingTimeInterval(30)
    while port == nil, Date() < deadline {
      port = (try? String(contentsOfFile: profile + "/DevToolsActivePort", encoding: .utf8))?.split(separator: "\n").first.flatMap { UInt16($0) }
      if port == nil { usleep(50_000) }
    }
    guard let port else { throw JulesError("chromium did not open its DevTools port") }
    let targets = try HTTPClient(timeoutSeconds: 10).send("GET", "http://127.0.0.1:\(port)/json/list")
    let list = try JSONSerialization.jsonObject(with: Data(targets.body)) as? [[String: Any]] ?? []
    guard let page = list.first(where: { $0["type"] as? String == "page" }), let url = page["webSocketDebuggerUrl"] as? String,
      let path = url.range(of: "/devtools/").map({ String(url[$0.lowerBound...]) })
    else { throw JulesError("chromium lists no page target: \(targets.text)") }
    socket = try RawSocketClient(port: port)
    guard socket.webSocketHandshake(path: path, protocolHeader: nil)?.hasPrefix("HTTP/1.1 101") == true else {
      throw JulesError("the DevTools WebSocket refused the handshake")
    }
  }

  deinit {
    process.terminate()
    process.waitUntilExit()
    try? FileManager.default.removeItem(atPath: profile)
  }

  /// Sends one command and returns its `result` (throws on a protocol error).
  @discardableResult
  public func call(_ method: String, _ params: [String: Any] = [:], timeout: Double = 20) throws -> [String: Any] {
    nextID += 1
    let id = nextID
    let body = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params])
    socket.write(WebSocketFrame.encode(.text, Array(body), mask: [0x11, 0x22, 0x33, 0x44]))
    var answer: [String: Any]?
    _ = socket.read(timeout: timeout) { buf in
      var b = buf
      while let f = WebSocketFrame.decode(b) {
        b.removeFirst(f.consumed)
        if let o = try? JSONSerialization.jsonObject(with: Data(f.payload)) as? [String: Any], o["id"] as? Int == id {
          answer = o
          return true
        }
      }
      return false
    }
    // Frames before the answer (events) are dropped with it.
    while let f = WebSocketFrame.decode(socket.buffer) { socket.buffer.removeFirst(f.consumed) }
    guard let answer else { throw JulesError("chromium did not answer \(method) within \(timeout) s") }
    if let error = answer["error"] { throw JulesError("chromium: \(method) failed: \(error)") }
    return answer["result"] as? [String: Any] ?? [:]
  }

  public func navigate(_ url: String) throws { try call("Page.navigate", ["url": url]) }

  /// The value of a JavaScript expression in the page (strings, numbers, booleans).
  public func evaluate(_ expression: String) throws -> Any? {
    let r = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true])
    return (r["result"] as? [String: Any])?["value"]
  }

  /// A PNG of the page as it is drawn.
  public func screenshot() throws -> Data {
    let r = try call("Page.captureScreenshot", ["format": "png"])
    guard let b64 = r["data"] as? String, let png = Data(base64Encoded: b64) else { throw JulesError("no screenshot data") }
    return png
  }
}
