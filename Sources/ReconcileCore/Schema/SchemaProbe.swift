/// What a decoder asks of one JSON object, recorded instead of read: run a kind's decoder on readers in probe mode
/// (`FieldReader(probing:)`) and every getter notes its key, the type it reads, whether it must be there, and the
/// words a choice takes, and answers with a stand-in so that the decoder goes on. Several runs, each answering
/// choices and switches differently, reach the fields behind them. `reconcile schema` is built from these notes.
public final class SchemaProbe: @unchecked Sendable {
  /// The type a getter reads.
  public indirect enum Shape: Equatable, Sendable {
    public static func == (a: Shape, b: Shape) -> Bool {
      switch (a, b) {
      case (.string(let x), .string(let y)), (.strings(let x), .strings(let y)): x == y
      case (.choice(let x), .choice(let y)): x == y
      case (.bool, .bool), (.duration, .duration), (.stringMap, .stringMap), (.any, .any): true
      case (.integer(let x), .integer(let y)): x == y
      case (.number(let x), .number(let y)): x == y
      case (.object(let x), .object(let y)), (.objects(let x), .objects(let y)): x === y
      default: false
      }
    }

    /// A string; `secret` when `${secret.…}` may flow into it.
    case string(secret: Bool)
    case choice([String])
    case bool
    case integer(ClosedRange<Int>)
    case number(ClosedRange<Double>)
    case duration
    case strings(secret: Bool)
    /// An object of strings (environment, labels).
    case stringMap
    case object(SchemaProbe)
    case objects(SchemaProbe)
    /// Read raw and taken apart by the decoder (a string or a list, a number or a size): any JSON value.
    case any
  }

  public struct Field: Sendable {
    public var shape: Shape
    /// Runs in which the field was asked for as required, and runs in which it was asked for at all.
    public var requiredIn = 0
    public var askedIn = 0
  }

  public private(set) var fields: [(key: String, field: Field)] = []
  /// The run the stand-ins answer for.
  var run = 0
  private var seenThisRun: Set<String> = []
  /// Runs in which a decoder reached this object; a field asked for as required in each of them is required.
  public private(set) var reached = 0
  private var enteredThisRun = false

  public init(depth: Int = 0) { self.depth = depth }

  /// Starts run `n` here and in every nested object.
  func begin(run n: Int) {
    run = n
    seenThisRun = []
    enteredThisRun = false
    for (_, f) in fields {
      if case .object(let p) = f.shape { p.begin(run: n) }
      if case .objects(let p) = f.shape { p.begin(run: n) }
    }
  }

  /// Notes `key` as read with `shape`; returns the probe of a nested object (the one noted before when there is one).
  @discardableResult
  func note(_ key: String, _ shape: Shape, required: Bool) -> SchemaProbe? {
    let first = !seenThisRun.contains(key)
    seenThisRun.insert(key)
    if let i = fields.firstIndex(where: { $0.key == key }) {
      var f = fields[i].field
      switch (f.shape, shape) {
      case (.object(let p), .object), (.objects(let p), .objects):
        if first { f.askedIn += 1 }
        if first && required { f.requiredIn += 1 }
        fields[i].field = f
        return p
      case (.choice(let a), .choice(let b)): f.shape = .choice(a + b.filter { !a.contains($0) })
      case (.string(let a), .string(let b)): f.shape = .string(secret: a || b)
      case (.strings(let a), .strings(let b)): f.shape = .strings(secret: a || b)
      case (.string, .choice): break
      case (.choice, .string): f.shape = shape
      case let (a, b) where a == b: break
      default: f.shape = .any
      }
      if first { f.askedIn += 1 }
      if first && required { f.requiredIn += 1 }
      fields[i].field = f
      if case .object(let p) = f.shape { return p }
      if case .objects(let p) = f.shape { return p }
      return nil
    }
    fields.append((key, Field(shape: shape, requiredIn: required ? 1 : 0, askedIn: 1)))
    if case .object(let p) = shape { return p }
    if case .objects(let p) = shape { return p }
    return nil
  }

  /// A reader for this object was made in this run.
  func enter() {
    if !enteredThisRun { reached += 1 }
    enteredThisRun = true
  }

  public func isRequired(_ f: Field) -> Bool { reached > 0 && f.requiredIn == reached }

  /// Keys accepted without a getter (read elsewhere): any value.
  func accept(_ keys: [String]) {
    for k in keys where !fields.contains(where: { $0.key == k }) { fields.append((k, Field(shape: .any, requiredIn: 0, askedIn: 1))) }
  }

  /// A choice's stand-in: each run answers another of the words.
  func pick(_ allowed: [String]) -> String { allowed.isEmpty ? "" : allowed[run % allowed.count] }
  /// A switch's stand-in: on in even runs.
  var flag: Bool { run % 2 == 0 }
  /// Whether a nested object is there: in half the runs, so that what a decoder reads when it is absent is seen too;
  /// on another bit of the run at each depth, so that an object inside one is absent in some runs where it is there.
  var present: Bool { (run >> (1 + depth % 3)) & 1 == 0 }
  /// How deep this object lies in the resource.
  let depth: Int
}
