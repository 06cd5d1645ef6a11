import Foundation
import Testing

/// Runs the real `reconcile` binary in a private temp directory (manifests, state and managed files inside it).
struct CLIHarness {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
    var all: String { stdout + stderr }
  }

  let root: String
  var manifests: String { root + "/manifests" }
  var state: String { root + "/state" }
  var host: String { root + "/host" }

  static let binary: String = {
    if let b = ProcessInfo.processInfo.environment["RECONCILE_BIN"] { return b }
    let pkg = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    return pkg + "/.build/debug/reconcile"
  }()

  init() throws {
    root = NSTemporaryDirectory() + "reconcile-cli-" + UUID().uuidString.prefix(8).lowercased()
    for d in [root, manifests, host] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
    try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the binary first (swift build); looked for \(Self.binary)")
  }

  /// A fresh sandbox with `json` as its manifest (see `manifest(_:name:)`).
  init(manifest json: String) throws {
    try self.init()
    try manifest(json)
  }

  /// A fresh sandbox with `json` as its manifest, applied once with `apply --auto-approve` (expected to succeed).
  static func applied(_ json: String) throws -> CLIHarness {
    let h = try CLIHarness(manifest: json)
    #expect(try h.run(["apply", "--auto-approve"]).status == 0)
    return h
  }

  /// Writes `manifests/NAME.json`, replacing `HOST` with the sandbox's host directory.
  func manifest(_ json: String, name: String = "main") throws {
    try json.replacingOccurrences(of: "HOST", with: host).write(toFile: "\(manifests)/\(name).json", atomically: true, encoding: .utf8)
  }

  /// Runs `reconcile ARGS --manifests M --state S` (global options appended unless `plain`).
  @discardableResult
  func run(_ args: [String], env: [String: String] = [:], plain: Bool = false, in directory: String? = nil) throws -> Result {
    let p = start(args, env: env, plain: plain, in: directory)
    p.process.waitUntilExit()
    return p.result()
  }

  struct Running {
    let process: Process
    let out: String
    let err: String
    /// The output so far; the status is -1 while the process still runs.
    func result() -> Result {
      Result(
        status: process.isRunning ? -1 : process.terminationStatus, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
  }

  func start(_ args: [String], env: [String: String] = [:], plain: Bool = false, in directory: String? = nil) -> Running {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Self.binary)
    p.arguments = args + (plain ? [] : ["--manifests", manifests, "--state", state])
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    p.currentDirectoryURL = URL(fileURLWithPath: directory ?? root)
    let id = UUID().uuidString.prefix(6)
    let out = "\(root)/.out-\(id)", err = "\(root)/.err-\(id)"
    FileManager.default.createFile(atPath: out, contents: nil)
    FileManager.default.createFile(atPath: err, contents: nil)
    p.standardOutput = FileHandle(forWritingAtPath: out)
    p.standardError = FileHandle(forWritingAtPath: err)
    p.standardInput = FileHandle.nullDevice
    try! p.run()
    return Running(process: p, out: out, err: err)
  }

  func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

  func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  func mode(_ path: String) -> String? {
    guard let a = try? FileManager.default.attributesOfItem(atPath: path), let p = a[.posixPermissions] as? Int else { return nil }
    return String(format: "%04o", p)
  }

  /// Every file below the sandbox's state directory, concatenated (for leak checks).
  func stateText() -> String {
    var all = ""
    if let walker = FileManager.default.enumerator(atPath: state) {
      while let rel = walker.nextObject() as? String { all += read("\(state)/\(rel)") ?? "" }
    }
    return all
  }

  func cleanup() { try? FileManager.default.removeItem(atPath: root) }
}

/// The manifest of the foundation issue, inside the sandbox.
let demoManifest = """
  { "apiVersion": "reconcile/v1", "resources": [
    { "kind": "directory", "name": "site", "path": "HOST/site", "mode": "0755" },
    { "kind": "file", "name": "motd", "path": "HOST/site/motd", "content": "hello\\n", "mode": "0644", "dependsOn": ["directory/site"] } ] }
  """
