/// A unified diff of two texts by lines (Myers' O(ND) algorithm in linear space, with a bound on its work), with
/// hunks of 3 context lines.
public enum LineDiff {
  enum Edit: Equatable {
    case same(String)
    case removed(String)
    case added(String)
  }

  /// `@@ -1,2 +1,2 @@` hunks; empty when the texts are equal; nil when they differ too much to work out within
  /// `budget` steps (the caller shows sizes and digests instead).
  public static func unified(from old: String, to new: String, context: Int = 3, budget: Int = defaultBudget) -> [String]? {
    guard let edits = diff(lines(old), lines(new), budget: budget) else { return nil }
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

  /// The edit script from `a` to `b`, or nil when finding it would take more than `budget` steps.
  static func diff(_ a: [String], _ b: [String], budget: Int = defaultBudget) -> [Edit]? {
    // Lines as numbers: each comparison is one integer compare, whatever the lines' length.
    var ids: [String: Int] = [:]
    let x = a.map { line in
      ids[line]
        ?? {
          ids[line] = ids.count; return ids.count - 1
        }()
    }
    let y = b.map { line in
      ids[line]
        ?? {
          ids[line] = ids.count; return ids.count - 1
        }()
    }
    var script = Script(a: x, b: y, budget: budget)
    do { try script.compare(0, x.count, 0, y.count) } catch { return nil }
    return script.ops.map { op in
      switch op {
      case .same(let i): .same(a[i])
      case .removed(let i): .removed(a[i])
      case .added(let j): .added(b[j])
      }
    }
  }

  /// Steps (a comparison or a move on a diagonal) a diff may take: thousands of changed lines in a large file,
  /// about 20 ms; past it the caller shows sizes instead of lines.
  public static let defaultBudget = 4_000_000

  struct OverBudget: Error {}

  /// Myers' O(ND) algorithm in linear space (the middle snake found from both ends, then each half on its own),
  /// with common prefixes and suffixes taken off first. Memory grows with the texts, not with their product.
  struct Script {
    enum Op {
      case same(Int)
      case removed(Int)
      case added(Int)
    }

    let a: [Int]
    let b: [Int]
    var budget: Int
    var ops: [Op] = []

    init(a: [Int], b: [Int], budget: Int) {
      self.a = a
      self.b = b
      self.budget = budget
      ops.reserveCapacity(a.count + b.count)
    }

    mutating func spend(_ n: Int = 1) throws(OverBudget) {
      budget -= n
      if budget < 0 { throw OverBudget() }
    }

    mutating func compare(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int) throws(OverBudget) {
      var (aLo, aHi, bLo, bHi) = (aLo, aHi, bLo, bHi)
      while aLo < aHi, bLo < bHi, a[aLo] == b[bLo] {
        ops.append(.same(aLo))
        aLo += 1
        bLo += 1
      }
      var suffix = 0
      while aLo < aHi - suffix, bLo < bHi - suffix, a[aHi - suffix - 1] == b[bHi - suffix - 1] { suffix += 1 }
      aHi -= suffix
      bHi -= suffix
      try spend(1 + (aHi - aLo) / 64 + (bHi - bLo) / 64)
      if aLo == aHi {
        for j in bLo..<bHi { ops.append(.added(j)) }
      } else if bLo == bHi {
        for i in aLo..<aHi { ops.append(.removed(i)) }
      } else if let (x, y) = try bisect(aLo, aHi, bLo, bHi) {
        try compare(aLo, x, bLo, y)
        try compare(x, aHi, y, bHi)
      } else {
        for i in aLo..<aHi { ops.append(.removed(i)) }
        for j in bLo..<bHi { ops.append(.added(j)) }
      }
      for k in 0..<suffix { ops.append(.same(aHi + k)) }
    }

    /// The point where a shortest edit path crosses the middle, searched from the start and from the end at once;
    /// nil when the two ranges have nothing in common.
    mutating func bisect(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int) throws(OverBudget) -> (Int, Int)? {
      let n = aHi - aLo, m = bHi - bLo
      let maxD = (n + m + 1) / 2
      let offset = maxD, length = 2 * maxD + 2
      var v1 = [Int](repeating: -1, count: length), v2 = [Int](repeating: -1, count: length)
      v1[offset + 1] = 0
      v2[offset + 1] = 0
      let delta = n - m
      let front = delta % 2 != 0
      var k1start = 0, k1end = 0, k2start = 0, k2end = 0
      for d in 0..<maxD {
        var k1 = -d + k1start
        while k1 <= d - k1end {
          try spend()
          let i = offset + k1
          var x1 = (k1 == -d || (k1 != d && v1[i - 1] < v1[i + 1])) ? v1[i + 1] : v1[i - 1] + 1
          var y1 = x1 - k1
          let start1 = x1
          while x1 < n, y1 < m, a[aLo + x1] == b[bLo + y1] {
            x1 += 1
            y1 += 1
          }
          try spend(x1 - start1)
          v1[i] = x1
          if x1 > n {
            k1end += 2
          } else if y1 > m {
            k1start += 2
          } else if front {
            let j = offset + delta - k1
            if j >= 0, j < length, v2[j] != -1, x1 >= n - v2[j] { return (aLo + x1, bLo + y1) }
          }
          k1 += 2
        }
        var k2 = -d + k2start
        while k2 <= d - k2end {
          try spend()
          let j = offset + k2
          var x2 = (k2 == -d || (k2 != d && v2[j - 1] < v2[j + 1])) ? v2[j + 1] : v2[j - 1] + 1
          var y2 = x2 - k2
          let start2 = x2
          while x2 < n, y2 < m, a[aLo + n - x2 - 1] == b[bLo + m - y2 - 1] {
            x2 += 1
            y2 += 1
          }
          try spend(x2 - start2)
          v2[j] = x2
          if x2 > n {
            k2end += 2
          } else if y2 > m {
            k2start += 2
          } else if !front {
            let i = offset + delta - k2
            if i >= 0, i < length, v1[i] != -1 {
              let x1 = v1[i], y1 = offset + x1 - i
              if x1 >= n - x2 { return (aLo + x1, bLo + y1) }
            }
          }
          k2 += 2
        }
      }
      return nil
    }
  }
}
