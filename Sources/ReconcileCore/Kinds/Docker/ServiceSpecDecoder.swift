import Foundation

/// Reads a `service` resource's fields (the container kind's formats where they mean the same).
enum ServiceSpecDecoder {
  static func decode(_ id: ResourceID, _ r: inout FieldReader) -> ServiceSpec? {
    guard let image = r.string("image", required: true) else { return nil }
    var spec = ServiceSpec(id: id, image: image)
    if !DockerNames.isValidContainerName(id.name) { r.report("name", "expected a Swarm service name ([a-zA-Z0-9][a-zA-Z0-9_.-]*), got '\(id.name)'") }
    spec.command = r.texts("command")
    spec.env = r.textMap("env") ?? [:]
    spec.secrets = r.textMap("secrets") ?? [:]
    for key in spec.secrets.keys.sorted() where key.isEmpty || !key.allSatisfy({ $0.isLetter || $0.isNumber || "_.-".contains($0) }) {
      r.report("secrets", "expected a file name like \"db_password\" (letters, digits, '_', '.', '-'), got '\(key)'")
    }
    let replicas = r.int("replicas", in: 0...1000)
    if let mode = r.choice("mode", ["replicated", "global"]), mode == "global" {
      if replicas != nil { r.report("replicas", "a global service runs one task on every node; drop \"replicas\" or \"mode\": \"global\"") }
      spec.mode = .global
    } else {
      spec.mode = .replicated(replicas ?? 1)
    }
    spec.labels = (r.textMap("labels") ?? [:]).mapValues(\.value)
    for key in spec.labels.keys.sorted() where DockerLabel.reserved.contains(key) { r.report("labels", "'\(key)' is reconcile's own label") }
    spec.constraints = r.strings("constraints") ?? []
    spec.preferences = r.strings("preferences") ?? []
    for (i, p) in spec.preferences.enumerated() where !(p.hasPrefix("node.labels.") || p.hasPrefix("engine.labels.")) || p.contains(" ") {
      r.report("preferences[\(i)]", "expected a label to spread the tasks over, like \"node.labels.zone\", got '\(p)'")
    }
    spec.memoryBytes = ContainerSpecDecoder.memory(&r)
    if let cpus = r.number("cpus", in: 0.001...1024) { spec.nanoCPUs = Int((cpus * 1e9).rounded()) }
    if var o = r.object("reserve") {
      spec.reservedMemoryBytes = ContainerSpecDecoder.memory(&o)
      if let cpus = o.number("cpus", in: 0.001...1024) { spec.reservedNanoCPUs = Int((cpus * 1e9).rounded()) }
      o.finish()
    }
    spec.update = update(&r, "update")
    spec.rollback = update(&r, "rollback")
    if spec.rollback != nil, spec.update?.failureAction != "rollback" {
      r.report("rollback", "applies when Swarm rolls an update back: set \"update\": { \"failureAction\": \"rollback\" } too")
    }
    for (i, text) in (r.strings("ports") ?? []).enumerated() {
      guard let port = PortMapping(parsing: text), port.hostIP.isEmpty else {
        r.report("ports[\(i)]", "expected \"PUBLISHED:TARGET[/tcp|udp]\" like \"8080:80\" (published in host mode on each node that runs a task), got '\(text)'")
        continue
      }
      spec.ports.append(port)
    }
    if !spec.ports.isEmpty, spec.update?.order == "start-first" {
      r.report("update.order", "a port published in host mode is held by the old task on its node until it stops; with \"ports\" use \"stop-first\"")
    }
    spec.endpointMode = r.choice("endpointMode", ["vip", "dnsrr"])
    spec.networks = ContainerSpecDecoder.networks(&r, in: id.module)
    spec.mounts = ContainerSpecDecoder.mounts(&r, in: id.module)
    spec.healthcheck = ContainerSpecDecoder.healthcheck(&r)
    spec.stopTimeout = ContainerSpecDecoder.seconds(&r, "stopTimeout")
    return spec
  }

  static func update(_ r: inout FieldReader, _ key: String) -> ServiceSpec.Update? {
    guard var u = r.object(key) else { return nil }
    var update = ServiceSpec.Update()
    if let p = u.int("parallelism", in: 0...1000) { update.parallelism = p }
    if let d = u.duration("delay") { update.delay = d }
    if let o = u.choice("order", ["stop-first", "start-first"]) { update.order = o }
    // A rollback that fails can only pause or go on; rolling the rollback back is no action.
    if let f = u.choice("failureAction", key == "rollback" ? ["pause", "continue"] : ["pause", "continue", "rollback"]) { update.failureAction = f }
    if let m = u.duration("monitor") { update.monitor = m }
    if let ratio = u.number("maxFailureRatio", in: 0...1) { update.maxFailureRatio = ratio }
    u.finish()
    return update
  }
}
