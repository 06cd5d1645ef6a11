import Foundation
import ReconcileCore

/// The `user` and `group` kinds: read from `ROOT/etc/passwd` and `ROOT/etc/group`, changed with shadow's `useradd`,
/// `usermod`, `userdel`, `groupadd`, `groupmod` and `groupdel` (with `--prefix ROOT` for another root than `/`).
public struct AccountDriver: KindDriver {
  public init() {}

  public var kinds: [String] { ["user", "group"] }

  /// One read of each root's passwd and group files for all targets.
  public func observe(_ targets: [ObserveTarget]) async throws -> [ResourceID: Observation] {
    var files: [String: AccountFiles] = [:]
    var out: [ResourceID: Observation] = [:]
    for t in targets {
      let root = t.locator["root"] ?? "/"
      if files[root] == nil { files[root] = try AccountFiles(root: root) }
      let f = files[root]!
      let name = t.locator["name"] ?? t.id.name
      if t.id.kind == "group" {
        guard let gid = f.groups[name]?.gid else {
          out[t.id] = .absent
          continue
        }
        out[t.id] = Observation(exists: true, attributes: ["gid": String(gid)])
        continue
      }
      guard let user = f.users[name] else {
        out[t.id] = .absent
        continue
      }
      let primary = f.groups.first { $0.value.gid == user.gid }?.key ?? String(user.gid)
      let supplementary = f.groups.filter { $0.value.members.contains(name) }.keys.sorted()
      out[t.id] = Observation(
        exists: true,
        attributes: ["uid": String(user.uid), "group": primary, "groups": supplementary.joined(separator: ","), "home": user.home, "shell": user.shell])
    }
    return out
  }

  public func perform(_ step: Step) async throws {
    let root = step.desired?.locator["root"] ?? step.prior?.locator["root"] ?? "/"
    let prefix = root == "/" ? [] : ["--prefix", root]
    let name = step.id.name
    var argv: [String]
    switch (step.id.kind, step.action) {
    case ("group", .destroy): argv = ["groupdel"] + prefix + [name]
    case ("user", .destroy): argv = ["userdel"] + prefix + [name]
    case ("group", let action):
      guard let g = step.desired as? GroupSpec else { throw OperationError(doing: action.rawValue, of: step.id, cause: .failed("the step carries no group")) }
      let gid = g.gid.map { ["--gid", String($0)] } ?? []
      argv = action == .create ? ["groupadd"] + (g.system ? ["--system"] : []) + gid + prefix + [name] : ["groupmod"] + gid + prefix + [name]
    case ("user", let action):
      guard let u = step.desired as? UserSpec else { throw OperationError(doing: action.rawValue, of: step.id, cause: .failed("the step carries no user")) }
      // A create gives every declared field; a change only what changed (usermod sets `--groups` to exactly these,
      // "" leaving none).
      let changed = Set(step.changes.map(\.field))
      func wanted(_ field: String) -> Bool { action == .create || changed.contains(field) }
      var fields: [String] = []
      if let uid = u.uid, wanted("uid") { fields += ["--uid", String(uid)] }
      if let group = u.group, wanted("group") { fields += ["--gid", group] }
      if wanted("groups"), action != .create || !u.groups.isEmpty { fields += ["--groups", u.groups.joined(separator: ",")] }
      if let home = u.home, wanted("home") { fields += ["--home", home] }
      if wanted("shell") { fields += ["--shell", u.shell] }
      if action != .create, fields.isEmpty { return }
      argv =
        action == .create
        ? ["useradd"] + (u.system ? ["--system"] : []) + (u.createHome ? ["--create-home"] : ["--no-create-home"]) + fields + prefix + [name]
        : ["usermod"] + fields + prefix + [name]
    default:
      throw OperationError(doing: step.action.rawValue, of: step.id, cause: .failed("kind '\(step.id.kind)' is not an account"))
    }
    let r = try ProcessRunner.run(argv)
    guard r.status == 0 else { throw r.failure(doing: step.action.rawValue, of: step.id) }
  }
}

/// The accounts of one root, as its `etc/passwd` and `etc/group` say.
struct AccountFiles {
  struct User {
    var uid: Int
    var gid: Int
    var home: String
    var shell: String
  }
  struct Group {
    var gid: Int
    var members: [String]
  }

  var users: [String: User] = [:]
  var groups: [String: Group] = [:]

  init(root: String) throws {
    let etc = (root == "/" ? "" : root) + "/etc"
    for line in try Self.lines("\(etc)/passwd") {
      let f = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
      guard f.count >= 7, let uid = Int(f[2]), let gid = Int(f[3]) else { continue }
      users[f[0]] = User(uid: uid, gid: gid, home: f[5], shell: f[6])
    }
    for line in try Self.lines("\(etc)/group") {
      let f = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
      guard f.count >= 4, let gid = Int(f[2]) else { continue }
      groups[f[0]] = Group(gid: gid, members: f[3].split(separator: ",").map(String.init))
    }
  }

  static func lines(_ path: String) throws -> [Substring] {
    guard let text = HostFiles.read(path) else {
      throw OperationError(doing: "read the accounts", cause: .failed("\(path) cannot be read"))
    }
    return text.split(separator: "\n")
  }
}
