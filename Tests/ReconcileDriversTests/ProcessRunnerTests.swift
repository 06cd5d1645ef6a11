import Essentials
import Foundation
import Testing

@testable import ReconcileDrivers
import ReconcileCore

/// Commands run through posix_spawn: combined output, exit codes, a directory and an environment of their own, output
/// to a file, and nothing of this process's descriptors inherited, while other threads open and close many of them
/// (Foundation's Process listed every open descriptor to close it in the child and crashed once in a full test run
/// with some 1,400 open).
@Suite struct ProcessRunnerTests {
  @Test func outputStatusDirectoryEnvironmentAndFile() throws {
    let r = try ProcessRunner.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    #expect(r.status == 3 && r.output == "out\nerr\n", "\(r)")
    let here = try ProcessRunner.run(["sh", "-c", "pwd; echo $ONLY; echo ${HOME:-none}"], in: "/tmp", environment: ["ONLY": "this", "PATH": "/usr/bin:/bin"])
    #expect(here.status == 0 && here.output == "/tmp\nthis\nnone\n", "\(here)")
    let file = NSTemporaryDirectory() + "runner-\(UUID().uuidString)"
    defer { unlink(file) }
    let dumped = try ProcessRunner.run(["sh", "-c", "echo data; echo note >&2"], standardOutputTo: file)
    #expect(dumped.output == "note\n" && (try? String(contentsOfFile: file, encoding: .utf8)) == "data\n")
    #expect(throws: OperationError.self) { try ProcessRunner.run(["/nonexistent/command"]) }
    let killed = try ProcessRunner.run(["sh", "-c", "kill -9 $$"])
    #expect(killed.status == 9, "\(killed)")
  }

  @Test func nothingIsInheritedWhileOtherThreadsOpenAndCloseDescriptors() async throws {
    let held = (0..<300).compactMap { _ in open("/dev/null", O_RDONLY) }
    defer { for fd in held { close(fd) } }
    let churning = Locked(true)
    let churn = Thread {
      while churning.withLock({ $0 }) {
        let fds = (0..<50).map { _ in open("/dev/null", O_RDONLY) }
        for fd in fds where fd >= 0 { close(fd) }
      }
    }
    churn.start()
    defer { churning.withLock { $0 = false } }
    try await withThrowingTaskGroup(of: ProcessResult.self) { group in
      for _ in 0..<40 { group.addTask { try ProcessRunner.run(["sh", "-c", "ls /proc/self/fd"]) } }
      for try await r in group {
        // 0, 1, 2 and the directory ls reads: nothing of this process's 300 and more.
        #expect(r.status == 0 && r.output.split(separator: "\n").count == 4, "\(r.output.prefix(200))")
      }
    }
  }
}
