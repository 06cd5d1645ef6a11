/// A unified diff of two texts by lines (Myers' O(ND) algorithm), with hunks of 3 context lines.
public enum LineDiff {
  enum Edit: Equatable {
    case same(String)
    case removed(String)
    case added(String)
  }

  /// `@@ -1,2 +1,2 @@` hunks; empty when the texts are equal.
  public static func unified(from old: String, to new: String, context: Int = 3) -> [String] {
    let edits = diff(lines(old), lines(new))
    guard edits.contains(where: { if case .same = $0 { false } else { true } }) else { return [] }
    var out: [String] = []
    var i = 0
    var oldLine = 1, newLine = 1
    var positions: [(Int, Int)] = []
    for e in edits {
      positions.append((oldLine, newLine))
      switch e {
      case .same: oldLine += 1; newLine += 1
      case .removed: oldLine += 1
      case .added: newLine += 1
      }
    }
    while i < edits.count {
      guard !isSame(edits[i]) else {
        i += 1
        continue
      }
      let start = max(0, i - context)
      var end = i
      while end < edits.count {
        if isSame(edits[end]) {
          var run = end
          while run < edits.count, isSame(edits[run]) { run += 1 }
          if run == edits.count || run - end > context * 2 {
            end = min(edits.count, end + context)
            break
          }
          end = run
        } else {
          end += 1
        }
      }
      let slice = edits[start..<end]
      let oldCount = slice.filter { if case .added = $0 { false } else { true } }.count
      let newCount = slice.filter { if case .removed = $0 { false } else { true } }.count
      let (o, n) = positions[start]
      out.append("@@ -\(oldCount == 0 ? o - 1 : o),\(oldCount) +\(newCount == 0 ? n - 1 : n),\(newCount) @@")
      for e in slice {
        switch e {
        case .same(let s): out.append(" " + s)
        case .removed(let s): out.append("-" + s)
        case .added(let s): out.append("+" + s)
        }
      }
      i = end
    }
    return out
  }

  static func isSame(_ e: Edit) -> Bool {
    if case .same = e { return true }
    return false
  }

  static func lines(_ s: String) -> [String] {
    if s.isEmpty { return [] }
    var parts = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if parts.last == "" { parts.removeLast() } else { parts[parts.count - 1] += "\n\\ No newline at end of file" }
    return parts
  }

  static func diff(_ a: [String], _ b: [String]) -> [Edit] {
    let n = a.count, m = b.count
    let max = n + m
    var v = [Int](repeating: 0, count: 2 * max + 2)
    var trace: [[Int]] = []
    outer: for d in 0...max {
      trace.append(v)
      for k in stride(from: -d, through: d, by: 2) {
        var x: Int
        if k == -d || (k != d && v[max + k - 1] < v[max + k + 1]) {
          x = v[max + k + 1]
        } else {
          x = v[max + k - 1] + 1
        }
        var y = x - k
        while x < n, y < m, a[x] == b[y] {
          x += 1
          y += 1
        }
        v[max + k] = x
        if x >= n, y >= m { break outer }
      }
    }
    var edits: [Edit] = []
    var x = n, y = m
    for d in stride(from: trace.count - 1, through: 0, by: -1) {
      let v = trace[d]
      let k = x - y
      let prevK = (k == -d || (k != d && v[max + k - 1] < v[max + k + 1])) ? k + 1 : k - 1
      let prevX = v[max + prevK]
      let prevY = prevX - prevK
      while x > prevX, y > prevY {
        edits.append(.same(a[x - 1]))
        x -= 1
        y -= 1
      }
      if d > 0 {
        if x == prevX { edits.append(.added(b[y - 1])) } else { edits.append(.removed(a[x - 1])) }
      }
      x = prevX
      y = prevY
    }
    return edits.reversed()
  }
}
