/// ANSI colours for plan and progress output; `.plain` when piped or under `NO_COLOR`.
public struct Style: Sendable {
  public let enabled: Bool

  public init(enabled: Bool) { self.enabled = enabled }
  public static let plain = Style(enabled: false)

  func wrap(_ s: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
  public func green(_ s: String) -> String { wrap(s, "32") }
  public func yellow(_ s: String) -> String { wrap(s, "33") }
  public func red(_ s: String) -> String { wrap(s, "31") }
  public func cyan(_ s: String) -> String { wrap(s, "36") }
  public func bold(_ s: String) -> String { wrap(s, "1") }
  public func dim(_ s: String) -> String { wrap(s, "2") }

  public func action(_ a: Action, _ s: String) -> String {
    switch a {
    case .create: green(s)
    case .update: yellow(s)
    case .replace: cyan(s)
    case .destroy: red(s)
    }
  }
}
