import Foundation

/// Writes a POSIX ustar archive in memory: regular files, directories and symlinks, with modes.
///
/// Names longer than 100 bytes are split into ustar `prefix` + `name` when a `/` allows it,
/// otherwise a GNU `././@LongLink` entry carries the name (or a long link target).
/// Used for build contexts (`POST /build` takes `application/x-tar`) and import rootfs.
public struct TarWriter: Sendable {
  public private(set) var data = Data()
  private var finished = false

  public init() {}

  /// Adds a regular file.
  public mutating func addFile(_ path: String, contents: Data, mode: Int = 0o644, modified: Date = Date(timeIntervalSince1970: 0)) {
    appendEntry(path: path, type: "0", size: contents.count, mode: mode, linkTarget: "", modified: modified)
    data.append(contents)
    pad()
  }

  /// Adds a directory (the name gets a trailing `/`).
  public mutating func addDirectory(_ path: String, mode: Int = 0o755, modified: Date = Date(timeIntervalSince1970: 0)) {
    let name = path.hasSuffix("/") ? path : path + "/"
    appendEntry(path: name, type: "5", size: 0, mode: mode, linkTarget: "", modified: modified)
  }

  /// Adds a symbolic link `path` -> `target`.
  public mutating func addSymlink(_ path: String, target: String, modified: Date = Date(timeIntervalSince1970: 0)) {
    appendEntry(path: path, type: "2", size: 0, mode: 0o777, linkTarget: target, modified: modified)
  }

  /// Ends the archive with two zero blocks and returns it.
  public mutating func finish() -> Data {
    if !finished {
      data.append(Data(count: 1024))
      finished = true
    }
    return data
  }

  /// Adds everything under `directory` (sorted, so the archive is reproducible), with paths
  /// relative to it. Symlinks are stored as links, never followed. Reads the filesystem.
  public mutating func addTree(at directory: URL, under prefix: String = "", excluding: (String) -> Bool = { _ in false }) throws {
    let fm = FileManager.default
    let root = directory.standardizedFileURL.path
    let entries = try fm.subpathsOfDirectory(atPath: root).sorted()
    for relative in entries where !excluding(relative) {
      let full = root + "/" + relative
      let name = prefix.isEmpty ? relative : prefix + "/" + relative
      let attributes = try fm.attributesOfItem(atPath: full)
      let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o644
      switch attributes[.type] as? FileAttributeType {
      case .typeDirectory?:
        addDirectory(name, mode: mode)
      case .typeSymbolicLink?:
        addSymlink(name, target: try fm.destinationOfSymbolicLink(atPath: full))
      case .typeRegular?:
        addFile(name, contents: try Data(contentsOf: URL(fileURLWithPath: full)), mode: mode)
      default:
        continue  // sockets, fifos and devices have no place in a build context
      }
    }
  }

  // MARK: - Encoding

  private mutating func appendEntry(path: String, type: Character, size: Int, mode: Int, linkTarget: String, modified: Date) {
    var name = path
    var prefix = ""
    if path.utf8.count > 100 {
      if let split = Self.splitForUstar(path) {
        (prefix, name) = split
      } else {
        appendLongLink(type: "L", value: path)
        name = String(decoding: Array(path.utf8.prefix(100)), as: UTF8.self)
      }
    }
    var link = linkTarget
    if linkTarget.utf8.count > 100 {
      appendLongLink(type: "K", value: linkTarget)
      link = String(decoding: Array(linkTarget.utf8.prefix(100)), as: UTF8.self)
    }
    data.append(
      Self.header(
        name: name, prefix: prefix, mode: mode, size: size, mtime: Int(modified.timeIntervalSince1970),
        type: type, linkTarget: link))
  }

  private mutating func appendLongLink(type: Character, value: String) {
    var bytes = Data(value.utf8)
    bytes.append(0)
    data.append(
      Self.header(
        name: "././@LongLink", prefix: "", mode: 0o644, size: bytes.count, mtime: 0, type: type, linkTarget: ""))
    data.append(bytes)
    pad()
  }

  private mutating func pad() {
    let remainder = data.count % 512
    if remainder != 0 { data.append(Data(count: 512 - remainder)) }
  }

  /// Splits at a `/` so that prefix <= 155 bytes and name <= 100 bytes, if possible.
  static func splitForUstar(_ path: String) -> (prefix: String, name: String)? {
    let bytes = Array(path.utf8)
    guard bytes.count <= 256 else { return nil }
    for i in stride(from: min(bytes.count - 1, 155), through: 1, by: -1) where bytes[i] == UInt8(ascii: "/") {
      let name = bytes[(i + 1)...]
      if name.count <= 100 && !name.isEmpty {
        return (String(decoding: bytes[..<i], as: UTF8.self), String(decoding: name, as: UTF8.self))
      }
      if name.count > 100 { return nil }
    }
    return nil
  }

  static func header(name: String, prefix: String, mode: Int, size: Int, mtime: Int, type: Character, linkTarget: String) -> Data {
    var block = [UInt8](repeating: 0, count: 512)
    func put(_ string: String, at offset: Int, length: Int) {
      for (i, byte) in string.utf8.prefix(length).enumerated() { block[offset + i] = byte }
    }
    func octal(_ value: Int, at offset: Int, length: Int) {
      let digits = String(value, radix: 8)
      let padded = String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits
      put(padded, at: offset, length: length - 1)
    }
    put(name, at: 0, length: 100)
    octal(mode & 0o7777, at: 100, length: 8)
    octal(0, at: 108, length: 8)  // uid
    octal(0, at: 116, length: 8)  // gid
    octal(size, at: 124, length: 12)
    octal(mtime, at: 136, length: 12)
    put("        ", at: 148, length: 8)  // checksum field counts as spaces
    block[156] = type.asciiValue ?? UInt8(ascii: "0")
    put(linkTarget, at: 157, length: 100)
    put("ustar", at: 257, length: 6)  // "ustar\0"
    put("00", at: 263, length: 2)
    put("root", at: 265, length: 32)
    put("root", at: 297, length: 32)
    put(prefix, at: 345, length: 155)
    let checksum = block.reduce(0) { $0 + Int($1) }
    let digits = String(checksum, radix: 8)
    put(String(repeating: "0", count: max(0, 6 - digits.count)) + digits, at: 148, length: 6)
    block[154] = 0
    block[155] = UInt8(ascii: " ")
    return Data(block)
  }
}
