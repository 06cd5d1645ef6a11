/// One desired property of a resource, as the planner compares and shows it.
public struct Attribute: Sendable, Hashable {
  /// How a value is shown in a plan.
  public enum Style: Sendable, Hashable {
    /// A short value shown inline: `mode: "0600" -> "0644"`.
    case inline
    /// Multi-line text shown as a unified diff; the state keeps only its digest.
    case content
  }

  /// What a change of this attribute costs.
  public enum Effect: Sendable, Hashable {
    case update
    case replace
  }

  public var name: String
  public var value: String
  public var isSensitive: Bool
  public var style: Style
  public var effect: Effect

  public init(_ name: String, _ value: String, sensitive: Bool = false, style: Style = .inline, effect: Effect = .update) {
    self.name = name
    self.value = value
    self.isSensitive = sensitive
    self.style = style
    self.effect = effect
  }
}

/// A string from a manifest that remembers whether a secret flowed into it.
public struct Text: Sendable, Hashable {
  public var value: String
  public var isSensitive: Bool

  public init(_ value: String, sensitive: Bool = false) {
    self.value = value
    self.isSensitive = sensitive
  }
}
