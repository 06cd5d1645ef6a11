import Foundation

/// Splits a byte stream into newline-terminated lines (JSON-lines streams: build, events).
struct DockerLineSplitter {
  private var buffer = Data()

  /// Appends `chunk` and returns every complete line in it, without the newline.
  mutating func push(_ chunk: Data) -> [Data] {
    buffer.append(chunk)
    var lines: [Data] = []
    while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
      let line = buffer[buffer.startIndex..<newline]
      if !line.isEmpty { lines.append(Data(line)) }
      buffer.removeSubrange(buffer.startIndex...newline)
    }
    return lines
  }

  /// The unterminated rest, if any, at the end of the stream.
  mutating func finish() -> Data? {
    defer { buffer.removeAll() }
    return buffer.isEmpty ? nil : buffer
  }
}

/// One frame of a multiplexed (non-TTY) log or attach stream.
public struct DockerLogFrame: Sendable, Equatable {
  public enum Stream: UInt8, Sendable { case stdin = 0, stdout = 1, stderr = 2 }
  public var stream: Stream
  public var payload: Data
}

/// Decodes the Engine's 8-byte-header log framing: [stream, 0, 0, 0, size (big endian u32)].
struct DockerLogDemuxer {
  private var buffer = Data()

  mutating func push(_ chunk: Data) -> [DockerLogFrame] {
    buffer.append(chunk)
    var frames: [DockerLogFrame] = []
    while buffer.count >= 8 {
      let start = buffer.startIndex
      let size = buffer[start + 4..<start + 8].reduce(0) { ($0 << 8) | Int($1) }
      guard buffer.count >= 8 + size else { break }
      let stream = DockerLogFrame.Stream(rawValue: buffer[start]) ?? .stdout
      frames.append(DockerLogFrame(stream: stream, payload: Data(buffer[start + 8..<start + 8 + size])))
      buffer.removeSubrange(start..<start + 8 + size)
    }
    return frames
  }
}
