import Foundation

/// Reads one HTTP/1.1 answer from a connection: the head (after any `100 Continue`), then the body as its framing
/// says (chunked, a length, or up to the end of the stream), handed to the consumer or collected.
struct ResponseReader {
  let method: String
  let onChunk: ((Data) -> Bool)?
  private(set) var status = 0
  /// Lower-case names; the last of repeated headers.
  private(set) var headers: [String: String] = [:]
  private(set) var body = Data()
  private var keepsAlive = false
  private var stoppedByConsumer = false

  init(method: String, onChunk: ((Data) -> Bool)?) {
    self.method = method
    self.onChunk = onChunk
  }

  /// Reads the answer; true when the connection may carry another request.
  mutating func read(_ connection: inout SocketConnection) throws -> Bool {
    repeat {
      try readHead(&connection)
    } while status >= 100 && status < 200 && status != 101
    connection.status = status
    // A switched protocol owns the connection from here: it never carries another request.
    if status == 101 { return false }
    if method == "HEAD" || status == 204 || status == 304 { return keepsAlive }
    if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
      try readChunks(&connection)
    } else if let text = headers["content-length"] {
      guard let length = Int(text), length >= 0 else {
        throw Self.malformed("a Content-Length of '\(text)'", status)
      }
      try readBody(&connection, count: length)
    } else {
      while try deliver(&connection, count: connection.pending.count) && connection.fill() {}
      return false
    }
    return keepsAlive && !stoppedByConsumer && connection.pending.isEmpty
  }

  private mutating func readHead(_ connection: inout SocketConnection) throws {
    var scanned = 0
    while true {
      let pending = connection.pending
      if let end = Self.find([13, 10, 13, 10], in: pending, from: pending.startIndex + scanned) {
        try parseHead(pending[pending.startIndex..<end])
        connection.start = end + 4
        return
      }
      scanned = max(0, pending.count - 3)
      guard pending.count < 65536 else { throw Self.malformed("a head longer than 64 KB", 0) }
      do {
        if try !connection.fill() {
          if pending.isEmpty && status == 0 { throw UnansweredRequest() }
          throw TransferError(kind: .other, message: "Connection closed in the answer's head", osErrno: 0, status: status)
        }
      } catch let failure as TransferError where failure.osErrno == ECONNRESET && pending.isEmpty && status == 0 {
        throw UnansweredRequest()
      }
    }
  }

  /// The status line and header lines, on bytes (header names lower-cased, values without surrounding blanks).
  private mutating func parseHead(_ bytes: ArraySlice<UInt8>) throws {
    var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map { $0.last == 13 ? $0.dropLast() : $0 }
    let statusLine = lines.removeFirst()
    let words = statusLine.split(separator: 32, maxSplits: 2)
    guard words.count >= 2, words[0].starts(with: "HTTP/1.".utf8), words[1].count == 3,
      let code = Int(String(decoding: words[1], as: UTF8.self)), (100..<600).contains(code)
    else {
      throw Self.malformed("'\(String(decoding: statusLine.prefix(80), as: UTF8.self))' for a status line", 0)
    }
    status = code
    headers = [:]
    for line in lines {
      guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
      let name = line[..<colon].map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
      var value = line[(colon + 1)...]
      while let first = value.first, first == 32 || first == 9 { value.removeFirst() }
      while let last = value.last, last == 32 || last == 9 { value.removeLast() }
      headers[String(decoding: name, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
    }
    keepsAlive = words[0].elementsEqual("HTTP/1.1".utf8) && headers["connection"]?.lowercased() != "close"
  }

  private mutating func readChunks(_ connection: inout SocketConnection) throws {
    while true {
      let line = try readLine(&connection)
      let digits = line.prefix { $0 != ";" && $0 != " " && $0 != "\t" }
      guard let size = Int(digits, radix: 16), size >= 0 else { throw Self.malformed("a chunk size of '\(line.prefix(20))'", status) }
      if size == 0 {
        while try !readLine(&connection).isEmpty {}  // trailers
        return
      }
      try readBody(&connection, count: size)
      if stoppedByConsumer { return }
      guard try readLine(&connection).isEmpty else { throw Self.malformed("a chunk longer than its size", status) }
    }
  }

  /// Reads `count` bytes of body.
  private mutating func readBody(_ connection: inout SocketConnection, count: Int) throws {
    var remaining = count
    while remaining > 0 {
      if connection.pending.isEmpty, try !connection.fill() { throw Self.truncated(status) }
      let take = min(remaining, connection.pending.count)
      guard try deliver(&connection, count: take) else { return }
      remaining -= take
    }
  }

  /// Hands `count` pending bytes to the consumer or the body; false once the consumer stopped.
  private mutating func deliver(_ connection: inout SocketConnection, count: Int) throws -> Bool {
    guard count > 0 else { return !stoppedByConsumer }
    let bytes = connection.pending.prefix(count)
    connection.start += count
    if let onChunk, status < 300 {
      if !onChunk(Data(bytes)) { stoppedByConsumer = true }
    } else {
      body.append(contentsOf: bytes)
    }
    return !stoppedByConsumer
  }

  private func readLine(_ connection: inout SocketConnection) throws -> String {
    while true {
      let pending = connection.pending
      if let end = Self.find([13, 10], in: pending, from: pending.startIndex) {
        connection.start = end + 2
        return String(decoding: pending[pending.startIndex..<end], as: UTF8.self)
      }
      guard pending.count < 8192 else { throw Self.malformed("a chunk line longer than 8 KB", status) }
      if try !connection.fill() { throw Self.truncated(status) }
    }
  }

  static func find(_ needle: [UInt8], in bytes: ArraySlice<UInt8>, from: Int) -> Int? {
    var i = from
    while i + needle.count <= bytes.endIndex {
      if bytes[i] == needle[0] && bytes[i..<i + needle.count].elementsEqual(needle) { return i }
      i += 1
    }
    return nil
  }

  private static func malformed(_ what: String, _ status: Int) -> TransferError {
    TransferError(kind: .other, message: "Not an HTTP/1.1 answer: \(what)", osErrno: 0, status: status)
  }

  private static func truncated(_ status: Int) -> TransferError {
    TransferError(kind: .other, message: "Connection closed before the answer was complete", osErrno: 0, status: status)
  }
}
