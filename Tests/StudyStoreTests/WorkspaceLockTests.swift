#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import StudyCore
import StudyStore
import Synchronization
import Testing
import _StudyTestSupport

@Suite("WorkspaceLock")
struct WorkspaceLockTests {
    @Test("acquiring creates the state directory and writes the holder's pid")
    func writesPid() throws {
        let dir = TemporaryDirectory()
        let layout = StoreLayout(root: dir.path)
        let lock = try WorkspaceLock.acquire(layout, wait: false) { _ in Issue.record("should not wait") }
        withExtendedLifetime(lock) {
            #expect(FileIO.readText(layout.lockFile) == "\(getpid())\n")
        }
    }

    @Test("a second acquire without waiting fails, naming the holder's pid")
    func secondAcquireFails() throws {
        let dir = TemporaryDirectory()
        let layout = StoreLayout(root: dir.path)
        let first = try WorkspaceLock.acquire(layout, wait: false) { _ in }
        try withExtendedLifetime(first) {
            do {
                _ = try WorkspaceLock.acquire(layout, wait: false) { _ in Issue.record("should not wait") }
                Issue.record("the second acquire succeeded")
            } catch let error as StoreError {
                guard case .locked(let holder) = error else {
                    Issue.record("expected .locked, got \(error)")
                    return
                }
                #expect(holder == "another studyflow process (pid \(getpid()))")
                #expect(error.description == "workspace is locked by another studyflow process (pid \(getpid())); wait for it, or run without --no-wait to wait")
            }
            // The failed attempt must not have clobbered the holder's pid.
            #expect(FileIO.readText(layout.lockFile) == "\(getpid())\n")
        }
    }

    @Test("the lock is released when its holder is deallocated")
    func releasedOnDeinit() throws {
        let dir = TemporaryDirectory()
        let layout = StoreLayout(root: dir.path)
        var first: WorkspaceLock? = try WorkspaceLock.acquire(layout, wait: false) { _ in }
        #expect(first != nil)
        first = nil
        // Another test in this process may be spawning a child at this moment: between its clone
        // and exec the child shares every descriptor, this lock's too. Retry for a while; a lock
        // that deinit did not release still fails here after 5 s.
        var second: WorkspaceLock? = nil
        for _ in 0..<100 where second == nil {
            do {
                second = try WorkspaceLock.acquire(layout, wait: false) { _ in Issue.record("should not wait") }
            } catch StoreError.locked(_) {
                usleep(50_000)
            }
        }
        #expect(second != nil, "the lock was not released when its holder was deallocated")
        withExtendedLifetime(second) {}
    }

    @Test("a waiting acquire reports the holder, then gets the lock once it is released")
    func waitsForRelease() throws {
        let dir = TemporaryDirectory()
        let layout = StoreLayout(root: dir.path)
        var first: WorkspaceLock? = try WorkspaceLock.acquire(layout, wait: false) { _ in }
        #expect(first != nil)

        let waitingFor = Mutex<String?>(nil)
        let acquired = Mutex<WorkspaceLock?>(nil)
        let reportedWaiting = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let lock = try? WorkspaceLock.acquire(layout, wait: true) { holder in
                waitingFor.withLock { $0 = holder }
                reportedWaiting.signal()
            }
            acquired.withLock { $0 = lock }
            finished.signal()
        }

        #expect(reportedWaiting.wait(timeout: .now() + 10) == .success)
        #expect(waitingFor.withLock { $0 } == "another studyflow process (pid \(getpid()))")
        #expect(finished.wait(timeout: .now() + 0.2) == .timedOut)
        first = nil
        #expect(finished.wait(timeout: .now() + 10) == .success)
        #expect(acquired.withLock { $0 } != nil)
    }
}

@Suite("RunCounter")
struct RunCounterTests {
    @Test("runs are numbered 1, 2, 3 per workspace")
    func counts() throws {
        let dir = TemporaryDirectory()
        let layout = StoreLayout(root: dir.path)
        try FileIO.createDirectories(layout.stateDirectory)
        #expect(try RunCounter.next(layout) == 1)
        #expect(try RunCounter.next(layout) == 2)
        #expect(try RunCounter.next(layout) == 3)
        #expect(FileIO.readText(layout.runCounter) == "3\n")
    }

    @Test("without a counter file numbering continues after the floor (the ledger's newest run); with one the floor is not read")
    func continuesAfterFloor() throws {
        let dir = TemporaryDirectory()
        let layout = StoreLayout(root: dir.path)
        try FileIO.createDirectories(layout.stateDirectory)
        #expect(try RunCounter.next(layout, after: 41) == 42)
        var asked = false
        #expect(try RunCounter.next(layout, after: { asked = true; return 100 }()) == 43)
        #expect(!asked)
        try FileIO.writeAtomically(layout.runCounter, Array("garbage\n".utf8))
        #expect(try RunCounter.next(layout, after: 7) == 8)
    }
}

@Suite("StoreLayout")
struct StoreLayoutTests {
    @Test("every path lives under ROOT/.studyflow")
    func paths() throws {
        let layout = StoreLayout(root: "/w")
        let digest = try #require(Digest(hex: "ab" + String(repeating: "0", count: 62)))
        #expect(layout.stateDirectory == "/w/.studyflow")
        #expect(layout.object(digest) == "/w/.studyflow/objects/ab/" + String(repeating: "0", count: 62))
        #expect(layout.actionLog == "/w/.studyflow/actions.log")
        #expect(layout.statCache == "/w/.studyflow/stat-cache")
        #expect(layout.lockFile == "/w/.studyflow/lock")
        #expect(layout.runCounter == "/w/.studyflow/run-counter")
        #expect(layout.log(run: 7, stage: "km") == "/w/.studyflow/logs/7/km.log")
        #expect(layout.compiledWorkflow(for: "Workflows/a.yaml").hasPrefix("/w/.studyflow/workflows/"))
        #expect(layout.compiledWorkflow(for: "Workflows/a.yaml") != layout.compiledWorkflow(for: "Workflows/b.yaml"))
    }

    @Test("relative artifact paths resolve against the root; absolute ones pass through")
    func absolute() {
        let layout = StoreLayout(root: "/w")
        #expect(layout.absolute("data/raw.csv") == "/w/data/raw.csv")
        #expect(layout.absolute("/data/raw.csv") == "/data/raw.csv")
    }
}
