/// What the Engine accepts for a container's stop signal, capabilities, user and log configuration, checked at
/// validation: a value it would refuse must not pass `validate` and then fail half-way through `apply`.
enum ContainerValueRules {
  /// Linux signal names as the Engine takes them (`SIGTERM`, or a number 1...64).
  static let signals: Set<String> = [
    "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGIOT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2",
    "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
    "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPOLL", "SIGPWR", "SIGSYS",
  ]

  static func isSignal(_ s: String) -> Bool {
    let upper = s.uppercased()
    if let n = Int(s) { return (1...64).contains(n) }
    if signals.contains(upper) || signals.contains("SIG" + upper) { return true }
    // SIGRTMIN+3, SIGRTMAX-1
    for base in ["SIGRTMIN", "SIGRTMAX"] where upper.hasPrefix(base) {
      let rest = upper.dropFirst(base.count)
      if rest.isEmpty { return true }
      if let sign = rest.first, sign == "+" || sign == "-", let n = Int(rest.dropFirst()), (0...30).contains(n) { return true }
    }
    return false
  }

  /// Linux capabilities (without `CAP_`), and `ALL`.
  static let capabilities: Set<String> = [
    "ALL", "AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE", "CHOWN", "DAC_OVERRIDE",
    "DAC_READ_SEARCH", "FOWNER", "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE", "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD",
    "NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW", "PERFMON", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_ADMIN", "SYS_BOOT",
    "SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "SYSLOG",
    "WAKE_ALARM",
  ]

  /// `name`, `uid`, `name:group`, `uid:gid`.
  static func isUser(_ s: String) -> Bool {
    let parts = s.split(separator: ":", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count) else { return false }
    return parts.allSatisfy { p in
      guard let first = p.first else { return false }
      if p.allSatisfy(\.isNumber) { return UInt32(p) != nil }
      return (first.isLetter || first == "_") && first.isASCII && p.count <= 32
        && p.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }
  }

  /// The log drivers Debian's Engine ships, and the options the file-based ones take.
  static let logDrivers: Set<String> = ["json-file", "local", "none", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "gcplogs", "logentries"]
  static let fileLogOptions: [String: Set<String>] = [
    "json-file": ["max-size", "max-file", "compress", "labels", "labels-regex", "env", "env-regex", "tag"],
    "local": ["max-size", "max-file", "compress"],
    "none": [],
  ]

  /// Problems with a log configuration, as (field, message) pairs.
  static func logProblems(driver: String, options: [String: String]) -> [(String, String)] {
    guard logDrivers.contains(driver) else {
      return [("driver", "expected one of \(logDrivers.sorted().map { "'\($0)'" }.joined(separator: ", ")), got '\(driver)'")]
    }
    var out: [(String, String)] = []
    if let allowed = fileLogOptions[driver] {
      for key in options.keys.sorted() where !allowed.contains(key) {
        out.append(("options.\(key)", "the \(driver) log driver has no option '\(key)'\(allowed.isEmpty ? "" : "; it takes \(allowed.sorted().joined(separator: ", "))")"))
      }
    }
    if let size = options["max-size"], !ConfigValue.isSize(size, units: "kmg") {
      out.append(("options.max-size", "expected a size like \"10m\", got '\(size)'"))
    }
    if let files = options["max-file"], Int(files).map({ $0 >= 1 }) != true {
      out.append(("options.max-file", "expected a whole number of files, at least 1, got '\(files)'"))
    }
    return out
  }
}
