import ReconcileCore

/// Notes drivers attach to observations (fact `note`), shown under a plan and in `status`: things a person should
/// know that are not changes, such as "systemd is not PID 1 here".
enum ObservationNotes {
  static func text(_ observed: ObservedState) -> String {
    let notes = observed.objects.compactMap { id, o in o.facts[.note].map { (id, $0) } }.sorted { $0.0 < $1.0 }
    guard !notes.isEmpty else { return "" }
    return "\nNotes:\n" + notes.map { "  \($0.0): \($0.1)\n" }.joined()
  }
}
