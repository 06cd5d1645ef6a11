import Foundation
import JulesService
import Essentials

/// A log sink that keeps every line, so tests can check that secrets never reach the log.
final class CapturedLog: Sendable {
  let lines = Locked([String]())
  var logger: JSONLogger { JSONLogger(sink: { [lines] l in lines.withLock { $0.append(l) } }) }
  var text: String { lines.current.joined() }
}

func makeTempDir(_ label: String) -> String {
  let path = NSTemporaryDirectory() + "jules-\(label)-\(UUID().uuidString.prefix(8))"
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}
