import Foundation

/// `group`: a system or regular group in `ROOT/etc/group`, made with `groupadd`. Only a declared `gid` is compared.
public struct GroupSpec: ResourceSpec {
  public let id: ResourceID
  public var gid: Int?
  /// Made with `groupadd -r` (a GID from the system range); a create-time choice, not compared afterwards.
  public var system = true
  /// The system whose `/etc` files are managed (`/`, or a directory holding `etc/group` for an image or a test).
  public var root = "/"

  public init(id: ResourceID) { self.id = id }

  public var locator: [String: String] { ["name": id.name, "root": root] }
  public var attributes: [Attribute] { gid.map { [Attribute("gid", String($0))] } ?? [] }

  public static let descriptor = KindDescriptor(name: "group") { id, r, _ in
    var spec = GroupSpec(id: id)
    if !AccountNames.isValid(id.name) { r.report("name", AccountNames.expected(id.name)) }
    spec.gid = r.int("gid", in: 0...65_533)
    spec.system = r.bool("system") ?? true
    spec.root = AccountNames.root(&r)
    return spec
  }
}

/// `user`: a (by default system) account in `ROOT/etc/passwd`, made with `useradd`, changed with `usermod`, removed with
/// `userdel` (its home directory stays). The service users hardened units run as (`User=jit`). Compared: the
/// primary `group`, the supplementary `groups` (exactly these), `home`, `shell`, and `uid` when declared.
public struct UserSpec: ResourceSpec {
  public let id: ResourceID
  public var uid: Int?
  public var group: String?
  public var groups: [String] = []
  public var home: String?
  public var shell = "/usr/sbin/nologin"
  public var system = true
  /// `useradd -m`: the home directory is made (from `/etc/skel`) when the user is.
  public var createHome = false
  public var root = "/"
  /// The declared `group` resources this user's groups are (made first).
  public var groupResources: [ResourceID] = []

  public init(id: ResourceID) { self.id = id }

  public var locator: [String: String] { ["name": id.name, "root": root] }
  public var implicitDependencies: [ResourceID] { groupResources }

  public var attributes: [Attribute] {
    var out: [Attribute] = []
    if let uid { out.append(Attribute("uid", String(uid))) }
    if let group { out.append(Attribute("group", group)) }
    out.append(Attribute("groups", groups.sorted().joined(separator: ",")))
    if let home { out.append(Attribute("home", home)) }
    out.append(Attribute("shell", shell))
    return out
  }

  public static let descriptor = KindDescriptor(name: "user", readsPeers: ["group"]) { id, r, context in
    var spec = UserSpec(id: id)
    if !AccountNames.isValid(id.name) { r.report("name", AccountNames.expected(id.name)) }
    spec.uid = r.int("uid", in: 0...65_533)
    spec.group = r.string("group")
    spec.groups = (r.strings("groups") ?? []).sorted()
    for name in [spec.group].compactMap({ $0 }) + spec.groups where !AccountNames.isValid(name) {
      r.report(spec.group == name ? "group" : "groups", AccountNames.expected(name))
    }
    if let home = r.string("home") {
      if home.hasPrefix("/"), !home.contains(":") { spec.home = home } else { r.report("home", "expected an absolute path, got '\(home)'") }
    }
    if let shell = r.string("shell") {
      if shell.hasPrefix("/"), !shell.contains(":") { spec.shell = shell } else { r.report("shell", "expected an absolute path like \"/bin/bash\", got '\(shell)'") }
    }
    spec.system = r.bool("system") ?? true
    spec.createHome = r.bool("createHome") ?? false
    if spec.createHome, spec.home == nil { r.report("createHome", "needs a 'home' to make") }
    spec.root = AccountNames.root(&r)
    spec.groupResources = ([spec.group].compactMap { $0 } + spec.groups).map { id.sibling(kind: "group", name: $0) }.filter { context.peers[$0] != nil }
    return spec
  }
}

/// What user and group names may be (as `useradd` takes them by default) and where their files are.
enum AccountNames {
  static func isValid(_ name: String) -> Bool {
    guard let first = name.first, first.isLowercase || first == "_", name.count <= 32 else { return false }
    return name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" || $0 == "-" }
  }

  static func expected(_ name: String) -> String {
    "expected a name like \"jit\" (lower-case letters, digits, '_', '-', starting with a letter or '_', at most 32), got '\(name)'"
  }

  static func root(_ r: inout FieldReader) -> String {
    guard let root = r.string("root") else { return "/" }
    guard root.hasPrefix("/"), !root.split(separator: "/").contains("..") else {
      r.report("root", "expected an absolute path, got '\(root)'")
      return "/"
    }
    return root
  }
}
