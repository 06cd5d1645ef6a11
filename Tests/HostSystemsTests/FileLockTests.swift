import Foundation
import HostSystems
import Testing

@Suite struct FileLockTests {
  @Test func aSecondLockFailsWhileTheFirstIsHeldAndSucceedsAfterRelease() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let first = try FileLock(path: dir.path + "/lock")
    let second = try FileLock(path: dir.path + "/lock")
    #expect(try first.tryLock())
    #expect(try !second.tryLock())
    #expect(try !second.lock(timeout: 0.1))
    first.release()
    #expect(try second.tryLock())
    second.release()
  }

  @Test func theLockIsReleasedWhenItsValueGoesAway() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    do {
      let held = try FileLock(path: dir.path + "/lock")
      #expect(try held.tryLock())
    }
    let next = try FileLock(path: dir.path + "/lock")
    #expect(try next.lock(timeout: 0))
  }

  @Test func aWaitingLockIsTakenOnceTheHolderReleases() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let holder = try FileLock(path: dir.path + "/lock")
    #expect(try holder.tryLock())
    DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { holder.release() }
    let waiter = try FileLock(path: dir.path + "/lock")
    #expect(try waiter.lock(timeout: 10))
  }

  @Test func aLockFileInAMissingDirectoryFailsAtOpen() throws {
    #expect(throws: SystemCallFailure.self) { try FileLock(path: "/nonexistent-\(UUID().uuidString)/lock") }
  }
}
