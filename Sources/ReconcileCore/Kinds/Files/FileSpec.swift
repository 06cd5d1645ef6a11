import Foundation

/// `file`: a regular file with content (inline or from a template), mode, owner and group.
public struct FileSpec: ResourceSpec {
  /// `0o644` → `0644`: four octal digits, the form modes are compared in (`String(format:)` is slow on Linux).
  public static func octalMode(_ v: Int) -> String {
    let octal = String(v, radix: 8)
    return String(repeating: "0", count: max(0, 4 - octal.count)) + octal
  }

  public let id: ResourceID
  public let path: String
  public let content: Text?
  public let mode: String?
  public let owner: String?
  public let group: String?
  public let ensure: Ensure

  public enum Ensure: String, Sendable { case present, absent }

  public init(id: ResourceID, path: String, content: Text?, mode: String? = nil, owner: String? = nil, group: String? = nil, ensure: Ensure = .present) {
    self.id = id
    self.path = path
    self.content = content
    self.mode = mode
    self.owner = owner
    self.group = group
    self.ensure = ensure
  }

  public var wantsAbsent: Bool { ensure == .absent }
  public var locator: [String: String] { ["path": path] }
  public var claimedPath: String? { path }

  public var attributes: [Attribute] {
    guard ensure == .present else { return [] }
    var out: [Attribute] = []
    if let content { out.append(Attribute("content", content.value, sensitive: content.isSensitive, style: .content)) }
    out += OwnershipFields.attributes(mode: mode, owner: owner, group: group)
    return out
  }

  public static let descriptor = KindDescriptor(name: "file") { id, r, context in
    let path = OwnershipFields.absolutePath(&r)
    let ensure = r.choice("ensure", ["present", "absent"]).flatMap(Ensure.init(rawValue:)) ?? .present
    let (mode, owner, group) = OwnershipFields.read(&r)
    let inline = r.text("content")
    let rendered = TemplateField.render(&r, context: context)
    if inline != nil, rendered != nil { r.report(nil, "give either 'content' or 'template', not both") }
    if ensure == .present, inline == nil, rendered == nil, r.object["template"] == nil {
      r.report(nil, "expected 'content' or 'template' (or \"ensure\": \"absent\")")
    }
    guard let path else { return nil }
    return FileSpec(id: id, path: path, content: inline ?? rendered, mode: mode, owner: owner, group: group, ensure: ensure)
  }
}

/// `directory`: a directory with mode, owner and group. Destroyed only when empty.
public struct DirectorySpec: ResourceSpec {
  public let id: ResourceID
  public let path: String
  public let mode: String?
  public let owner: String?
  public let group: String?

  public var locator: [String: String] { ["path": path] }
  public var claimedPath: String? { path }
  public var attributes: [Attribute] { OwnershipFields.attributes(mode: mode, owner: owner, group: group) }

  public static let descriptor = KindDescriptor(name: "directory") { id, r, _ in
    let path = OwnershipFields.absolutePath(&r)
    let (mode, owner, group) = OwnershipFields.read(&r)
    guard let path else { return nil }
    return DirectorySpec(id: id, path: path, mode: mode, owner: owner, group: group)
  }
}

/// The path, mode, owner and group fields that files and directories share.
enum OwnershipFields {
  /// Whether a component of `p` is `..`.
  static func hasParentComponent(_ p: String) -> Bool {
    var run = 0  // dots since the last slash, -1 once anything else came
    for b in p.utf8 {
      if b == UInt8(ascii: "/") {
        if run == 2 { return true }
        run = 0
      } else if b == UInt8(ascii: "."), run >= 0 {
        run += 1
      } else {
        run = -1
      }
    }
    return run == 2
  }

  static func absolutePath(_ r: inout FieldReader) -> String? {
    guard let p = r.string("path", required: true) else { return nil }
    guard p.hasPrefix("/"), !hasParentComponent(p) else {
      r.report("path", "expected an absolute path without '..', got '\(p)'")
      return nil
    }
    return withoutTrailingSlash(p)
  }

  /// `/srv/acme/` → `/srv/acme`; `/` stays.
  static func withoutTrailingSlash(_ p: String) -> String {
    p.utf8.count > 1 && p.hasSuffix("/") ? String(p.dropLast()) : p
  }

  static func read(_ r: inout FieldReader) -> (mode: String?, owner: String?, group: String?) {
    var mode: String?
    if let m = r.string("mode") {
      if m.utf8.count >= 3, m.utf8.count <= 4, let v = Int(m, radix: 8), v <= 0o7777 {
        mode = FileSpec.octalMode(v)
      } else {
        r.report("mode", "expected an octal mode like \"0644\", got '\(m)'")
      }
    }
    let owner = r.string("owner")
    let group = r.string("group")
    func check(_ key: String, _ v: String?) {
      if let v, v.isEmpty || v.contains(":") || v.contains(" ") { r.report(key, "expected a user or group name or number, got '\(v)'") }
    }
    check("owner", owner)
    check("group", group)
    return (mode, owner, group)
  }

  static func attributes(mode: String?, owner: String?, group: String?) -> [Attribute] {
    var out: [Attribute] = []
    if let mode { out.append(Attribute("mode", mode)) }
    if let owner { out.append(Attribute("owner", owner)) }
    if let group { out.append(Attribute("group", group)) }
    return out
  }
}
