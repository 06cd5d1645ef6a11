// swift-tools-version:6.0
// reconcile: a declarative infrastructure reconciler for one Linux host.
// No SwiftPM package dependencies: Foundation, Dispatch and Debian's C libraries
// through system-library targets (each with a small shim.h of typed wrappers).
import PackageDescription

let package = Package(
  name: "reconcile",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "reconcile", targets: ["reconcile"]),
    .executable(name: "jules", targets: ["jules"]),
  ],
  targets: [
    // C libraries from Debian (-dev packages), wrapped by shim.h.
    // libcurl and libmicrohttpd are loaded at their first use (dlopen), so not linked: see their shim.h. Headers from
    // libcurl4-openssl-dev and libmicrohttpd-dev.
    .systemLibrary(name: "CCurl"),
    .systemLibrary(name: "CMicroHTTPD"),
    .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
    .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
    // glibc's posix_spawn extensions (close every inherited descriptor, change directory), for running commands.
    .systemLibrary(name: "CSpawn"),

    // What reconcile and jules share that does no I/O: SHA-256 (libcrypto's), HMAC, constant-time comparison, the lock
    // box, the .env grammar and the JSON value. Pure computation, so Core may use it.
    .target(name: "Essentials", dependencies: ["CCrypto"]),
    // What reconcile and jules do to the host the same way: atomic writes, flock, the inotify watcher, numbered
    // generations behind a `live` symlink. Glibc and Foundation only.
    .target(name: "HostSystems", dependencies: ["Essentials"]),
    // Plain HTTP over libmicrohttpd (server) and libcurl (client), shared by reconcile's controller and jules; its
    // CurlTransport is the one libcurl driver (TCP or a unix socket, pooled kept-alive handles, streamed bodies).
    .target(name: "HTTPKit", dependencies: ["Essentials", "CMicroHTTPD", "CCurl"]),
    // A plain Docker Engine API client over the Engine's unix socket: calls, wire models, errors. Knows no manifest.
    .target(name: "DockerEngine", dependencies: ["Essentials", "HTTPKit"]),

    // Manifest model, validation, planner, plan, renderers, templates, port protocols. Foundation and Essentials only.
    .target(name: "ReconcileCore", dependencies: ["Essentials"], exclude: ["KINDS.md"]),
    // Real adapters: filesystem, state store, Docker kinds over DockerEngine, processes.
    .target(name: "ReconcileDrivers", dependencies: ["ReconcileCore", "Essentials", "HostSystems", "HTTPKit", "DockerEngine", "CSQLite", "CCrypto", "CSpawn"]),
    // Executor, controller loop. Core only: it cannot reach I/O by accident.
    .target(name: "ReconcileRuntime", dependencies: ["ReconcileCore"]),
    // Commands and views; the only place that builds concrete drivers.
    .target(name: "ReconcileCLI", dependencies: ["ReconcileCore", "ReconcileDrivers", "DockerEngine", "ReconcileRuntime"]),
    // Linked by GNU ld with packed relative relocations (DT_RELR, glibc 2.36: Debian 12): the 80,000 relocations of a
    // position-independent Swift binary take 15 KB instead of 1.9 MB that every process read at its start (2 to 4 MB
    // less resident in an idle controller). gold, the toolchain's default here, cannot pack them.
    .executableTarget(
      name: "reconcile", dependencies: ["ReconcileCLI"],
      linkerSettings: [.unsafeFlags(["-use-ld=bfd", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"], .when(platforms: [.linux]))]),

    // The bundled Jules service.
    .target(name: "JulesService", dependencies: ["Essentials", "HostSystems", "HTTPKit", "CMicroHTTPD", "CSQLite", "CCrypto", "CCurl"]),
    .executableTarget(name: "jules", dependencies: ["JulesService"]),

    // What every test target shares: one free-port finder, one polling helper, and the observe → plan → apply harness
    // (the Runtime's transaction over an in-memory state store).
    .target(name: "TestSupport", dependencies: ["Essentials", "HTTPKit", "ReconcileCore", "ReconcileRuntime", "JulesService"], path: "Tests/TestSupport"),
    .testTarget(name: "ReconcileCoreTests", dependencies: ["ReconcileCore", "Essentials"], exclude: ["Fixtures"]),
    .testTarget(name: "ReconcileRuntimeTests", dependencies: ["ReconcileRuntime", "ReconcileCore", "Essentials", "TestSupport"]),
    .testTarget(name: "DockerEngineTests", dependencies: ["DockerEngine"]),
    .testTarget(name: "HostSystemsTests", dependencies: ["HostSystems", "Essentials", "TestSupport"]),
    .testTarget(
      name: "ReconcileDriversTests",
      dependencies: ["ReconcileDrivers", "DockerEngine", "HTTPKit", "ReconcileCore", "ReconcileRuntime", "Essentials", "TestSupport"]),
    .testTarget(
      name: "ReconcileCLITests",
      dependencies: ["ReconcileCLI", "ReconcileCore", "ReconcileDrivers", "DockerEngine", "HTTPKit", "Essentials", "TestSupport"]),
    .testTarget(name: "JulesServiceTests", dependencies: ["JulesService", "Essentials", "TestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
