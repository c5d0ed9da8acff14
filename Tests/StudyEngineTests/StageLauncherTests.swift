#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import StudyCore
import StudyEngine
import StudyStore
import Synchronization
import Testing
import _StudyTestSupport

/// On Linux every stage's supervisor is forked by one small launcher process, not by the
/// orchestrator: a fork copies the forking process's page tables, which for a studyflow holding a
/// 100,000-instance workflow cost milliseconds a stage (most of a cold run's own CPU). These pin
/// that, and that losing the launcher is a clear stage failure, never a hang.
@Suite("Stage launcher")
struct StageLauncherTests {
    private func job(_ command: String, in directory: TemporaryDirectory) -> StageJob {
        StageJob(stage: "s", action: .shell(command), root: directory.path, environment: [:],
                 logPath: directory.path + "/log.txt")
    }

    /// The command name in /proc/PID/stat and the fields after it.
    static func stat(_ pid: Int32) -> (name: String, fields: [String])? {
        guard let text = FileIO.readText("/proc/\(pid)/stat"), let open = text.firstIndex(of: "("),
              let close = text.lastIndex(of: ")") else { return nil }
        let name = String(text[text.index(after: open)..<close])
        return (name, text[text.index(close, offsetBy: 2)...].split(separator: " ").map(String.init))
    }

    /// A stage started on a background queue, and what it ended with once `done` is signalled.
    final class Started: Sendable {
        let outcome = Mutex<StageOutcome?>(nil)
        let done = DispatchSemaphore(value: 0)
    }

    /// Starts `command` in `dir` through `executor` and waits (up to 5 s) for it to touch `started`.
    static func start(_ command: String, in dir: TemporaryDirectory, executor: LocalExecutor) -> Started {
        let started = Started()
        let stage = StageJob(stage: "s", action: .shell(command), root: dir.path, environment: [:], logPath: dir.path + "/log.txt")
        DispatchQueue.global().async {
            let result = executor.execute(stage)
            started.outcome.withLock { $0 = result }
            started.done.signal()
        }
        var polls = 0
        while !dir.exists("started"), polls < 500 { usleep(10_000); polls += 1 }
        return started
    }

    /// Runs `command` in a new directory and says whether it succeeded and wrote `expected` to out.txt.
    static func runs(_ command: String, writing expected: String, executor: LocalExecutor = LocalExecutor()) -> Bool {
        let dir = TemporaryDirectory()
        let stage = StageJob(stage: "s", action: .shell(command), root: dir.path, environment: [:], logPath: dir.path + "/log.txt")
        return executor.execute(stage) == .succeeded && dir.read("out.txt") == expected
    }

    #if os(Linux)
    @Test("the supervisor's parent is the 'sf-launcher' process, a child of the orchestrator, not the orchestrator")
    func supervisorForkedByLauncher() throws {
        // $PPID of the shell is its supervisor; field 4 of /proc/PID/stat is a process's parent.
        let probe = TemporaryDirectory()
        let command = "s=$PPID; l=$(cut -d' ' -f4 /proc/$s/stat); echo $l > launcher.pid; cat /proc/$l/comm > launcher.comm; "
            + "cut -d' ' -f4 /proc/$l/stat > orchestrator.pid"
        #expect(LocalExecutor().execute(job(command, in: probe)) == .succeeded)
        let launcher = try #require(probe.read("launcher.pid").flatMap { Int32($0.dropLast()) })
        #expect(probe.read("launcher.comm") == "sf-launcher\n")
        #expect(launcher != getpid())
        #expect(probe.read("orchestrator.pid") == "\(getpid())\n")
    }

    /// Runs in its own process (an exit test): killing the launcher, which every stage of a
    /// process shares, would fail the stages other tests run at the same time.
    @Test("a killed launcher fails the stages it was running with a clear message, and the next stage starts a new one")
    func launcherKilled() async {
        await #expect(processExitsWith: .success) { Self.launcherKilledScenario() }
    }

    /// Exits with the number of the first check that failed.
    static func launcherKilledScenario() {
        let dir = TemporaryDirectory()
        let command = "s=$PPID; cut -d' ' -f4 /proc/$s/stat > launcher.pid; touch started; while :; do sleep 0.05; done"
        let stage = start(command, in: dir, executor: LocalExecutor())
        guard let launcher = dir.read("launcher.pid").flatMap({ Int32($0.dropLast()) }) else { exit(11) }
        guard stat(launcher)?.name == "sf-launcher" else { exit(12) }
        kill(launcher, SIGKILL)
        guard stage.done.wait(timeout: .now() + 10) == .success else { exit(13) }
        guard stage.outcome.withLock({ $0 }) == .failed(
            status: 128 + SIGHUP,
            message: "its supervisor was lost (the 'sf-launcher' process that starts stages was killed); run the workflow again")
        else { exit(14) }
        // A new launcher takes over.
        guard runs("echo ok > out.txt", writing: "ok\n") else { exit(15) }
    }
    #endif

    /// An exit test too: finishing the launcher is what the end of a run does, once per process.
    @Test("finishing the launcher waits for a running stage, and a stage after it starts a new launcher")
    func finishWaitsForStages() async {
        await #expect(processExitsWith: .success) { Self.finishScenario() }
    }

    /// Exits with the number of the first check that failed.
    static func finishScenario() {
        let dir = TemporaryDirectory()
        let executor = LocalExecutor()
        let stage = start("touch started; sleep 0.5; echo finished > out.txt", in: dir, executor: executor)
        guard dir.exists("started") else { exit(21) }
        LocalExecutor.finishLaunching()
        guard stage.done.wait(timeout: .now() + 10) == .success else { exit(22) }
        guard stage.outcome.withLock({ $0 }) == .succeeded, dir.read("out.txt") == "finished\n" else { exit(23) }
        guard runs("echo again > out.txt", writing: "again\n", executor: executor) else { exit(24) }
    }
}
