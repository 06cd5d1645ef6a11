/// Where systemd units go and how systemd is reached: a root directory for the files, the unit directory inside
/// that root, and an optional command prefix (`docker exec NAME`) that runs `systemctl` inside another system.
public struct SystemdTarget: Sendable, Hashable {
  /// The directory the target system's `/` is at, as seen from here (default `/`).
  public var root: String
  /// The unit directory inside the target system (default `/etc/systemd/system`).
  public var unitDirectory: String
  /// Prepended to every command (`["docker", "exec", "box"]`); empty runs them here.
  public var commandPrefix: [String]

  public init(root: String = "/", unitDirectory: String = "/etc/systemd/system", commandPrefix: [String] = []) {
    self.root = root
    self.unitDirectory = unitDirectory
    self.commandPrefix = commandPrefix
  }

  /// The locator entries that find the unit directory again (kept in state for prune).
  public var locator: [String: String] {
    var l = ["root": root, "unitDirectory": unitDirectory]
    if !commandPrefix.isEmpty { l["commandPrefix"] = commandPrefix.joined(separator: "\u{1F}") }
    return l
  }

  /// Rebuilds a target from a locator written by `locator`.
  public init(locator: [String: String]) {
    root = locator["root"] ?? "/"
    unitDirectory = locator["unitDirectory"] ?? "/etc/systemd/system"
    commandPrefix = locator["commandPrefix"].map { $0.split(separator: "\u{1F}").map(String.init) } ?? []
  }

  /// Reads `root`, `unitDirectory` and `commandPrefix`.
  static func read(_ r: inout FieldReader) -> SystemdTarget {
    var t = SystemdTarget()
    if let root = r.string("root") {
      if root.hasPrefix("/") {
        t.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
      } else {
        r.report("root", "expected an absolute path, got '\(root)'")
      }
    }
    if let dir = r.string("unitDirectory") {
      if dir.hasPrefix("/") { t.unitDirectory = dir } else { r.report("unitDirectory", "expected an absolute path, got '\(dir)'") }
    }
    if let prefix = r.strings("commandPrefix") {
      if prefix.isEmpty || prefix.contains(where: \.isEmpty) { r.report("commandPrefix", "expected a non-empty command such as [\"docker\", \"exec\", \"box\"]") }
      t.commandPrefix = prefix
    }
    if t.root != "/", !t.commandPrefix.isEmpty { r.report(nil, "give either 'root' or 'commandPrefix', not both") }
    return t
  }
}
