import Foundation

/// What a kind's findings may look at beside its own observation: the time of the plan and, for each resource it
/// depends on, that resource's spec, what was observed of it and the step the planner already decided for it
/// (resources are planned in dependency order). So "the image will be rebuilt, so its containers are replaced" is
/// decided by the planner, not by an observer guessing ahead.
public struct FindingContext: Sendable {
  public struct Dependency: Sendable {
    public var spec: any ResourceSpec
    public var observed: Observation
    /// Nil when the dependency is left as it is.
    public var step: Step?

    public init(spec: any ResourceSpec, observed: Observation, step: Step?) {
      self.spec = spec
      self.observed = observed
      self.step = step
    }
  }

  public var now: Date
  public var dependencies: [ResourceID: Dependency]

  public init(now: Date, dependencies: [ResourceID: Dependency] = [:]) {
    self.now = now
    self.dependencies = dependencies
  }
}
