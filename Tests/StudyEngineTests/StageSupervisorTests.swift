#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import StudyCore
import StudyEngine
import StudyStore
import Testing
import _StudyTestSupport

/// The supervisor every local shell stage runs under: it holds the workspace lock open in the
/// stage, cleans up what the stage leaves behind, forwards cancellation with a grace period, and
/// reports the stage's own exit.
@Suite("Stage supervisor")
struct StageSupervisorTests {
    private func job(_ command: String, in directory: TemporaryDirectory) -> StageJob {
        StageJob(stage: "s", action: .shell(command), root: directory.path, environment: [:],
                 logPath: directory.path + "/log.txt")
    }

    @Test("the workspace lock is the one descriptor a stage inherits besides 0, 1 and 2")
    func lockInherited() throws {
        let dir = TemporaryDirectory()
        let lock = try WorkspaceLock.acquire(StoreLayout(root: dir.path), wait: false) { _ in }
        let executor = LocalExecutor(holding: lock)
        #expect(executor.execute(job("for fd in /proc/self/fd/*; do readlink $fd; done; true", in: dir)) == .succeeded)
        let targets = (dir.read("log.txt") ?? "").split(separator: "\n").map(String.init)
        #expect(targets.contains(dir.path + "/.studyflow/lock"), "\(targets)")
        // 0, 1, 2, the lock, and the directory the shell's glob listed.
        #expect(targets.count <= 5, "\(targets)")
        withExtendedLifetime(lock) {}
    }

    @Test("a process a stage leaves running in its group is killed when the stage's command exits")
    func leftoversKilled() throws {
        let dir = TemporaryDirectory()
        let started = SystemClock.monotonicSeconds()
        // Output of the background sleep goes elsewhere, so only the supervisor can end it.
        #expect(LocalExecutor().execute(job("sleep 30 >/dev/null 2>&1 & echo $! > bg.pid", in: dir)) == .succeeded)
        #expect(SystemClock.monotonicSeconds() - started < 5)
        let pid = try #require(dir.read("bg.pid").flatMap { Int32($0.dropLast()) })
        var alive = true
        for _ in 0..<100 {
            if let stat = FileIO.readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") {
                let state = stat[stat.index(close, offsetBy: 2)]
                alive = state != "Z" && state != "X"
            } else {
                alive = false
            }
            if !alive { break }
            usleep(10_000)
        }
        #expect(!alive, "background process \(pid) survived its stage")
    }

    @Test("a stage that ignores SIGTERM is killed after the grace period on cancel")
    func graceThenKill() throws {
        let dir = TemporaryDirectory()
        let executor = LocalExecutor()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = executor.execute(job("trap '' TERM; touch started; while :; do sleep 0.05; done", in: dir))
            done.signal()
        }
        var polls = 0
        while !dir.exists("started"), polls < 500 { usleep(10_000); polls += 1 }
        try #require(dir.exists("started"))
        let start = SystemClock.monotonicSeconds()
        executor.cancelAll()
        #expect(done.wait(timeout: .now() + 6) == .success)
        let took = SystemClock.monotonicSeconds() - start
        #expect(took > 1.5 && took < 4, "stopped after \(took) s")
    }

    @Test("a program that cannot be started is reported as the shell would")
    func missingDirectory() {
        let dir = TemporaryDirectory()
        var j = job("true", in: dir)
        j.root = dir.path + "/missing"
        #expect(LocalExecutor().execute(j) == .failed(status: 127, message: "cannot start /bin/sh: No such file or directory"))
    }
}
