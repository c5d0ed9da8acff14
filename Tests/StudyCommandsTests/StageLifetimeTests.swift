import Foundation
import Testing
import _StudyTestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stages die with their orchestrator (issue 13, item 5): after `kill -9`, SIGHUP or SIGTERM of
/// `studyflow` no stage process or child of one keeps running, and the workspace lock stays held
/// until the last of them is gone, so a rerun never races them.
@Suite("stage processes die with studyflow")
struct StageLifetimeTests {
    /// A stage whose shell starts a looping child and waits; both write their pids. The loop ends
    /// when `lt.release` exists, so a rerun finishes. With `escape`, the child leaves the stage's
    /// process group and session (`setsid`), so nothing stops it: it lives until released. File
    /// names are built in the shell, so none of them is taken for an input the command names.
    static func workflow(escape: Bool = false) -> String {
        let start = escape ? "setsid sh -c" : "sh -c"
        return """
        name: lifetime
        stages:
          loop:
            run: >-
              p=lt; \(start) 'p=lt; echo $$ > $p.child; while [ ! -e $p.release ]; do echo x >> $p.ticks; sleep 0.05; done' &
              echo $$ > $p.stage; wait; echo done > ${outputs}
            outputs: [out.txt]

        """
    }

    /// Whether `pid` is a live process (a zombie counts as gone: it runs nothing and holds no descriptor).
    static func running(_ pid: Int32) -> Bool {
        guard let stat = procStat(pid) else { return false }
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }

    /// The two pids once both processes are running (up to 10 s).
    static func stagePids(_ dir: TemporaryDirectory) throws -> (stage: Int32, child: Int32) {
        for _ in 0..<200 {
            if let s = dir.read("lt.stage").flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
               let c = dir.read("lt.child").flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
               dir.exists("lt.ticks") {
                return (s, c)
            }
            usleep(50_000)
        }
        throw CancellationError()
    }

    /// Seconds until neither pid runs (up to `limit`), or nil.
    static func secondsUntilGone(_ pids: [Int32], limit: Double) -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < limit {
            if !pids.contains(where: running) { return Date().timeIntervalSince(start) }
            usleep(20_000)
        }
        return nil
    }

    /// Whether this process can take the workspace lock right now (released at once if taken).
    static func lockIsFree(_ dir: TemporaryDirectory) -> Bool {
        let fd = open(dir.path + "/.studyflow/lock", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_EX | LOCK_NB) == 0
    }

    @Test("after kill -9 of studyflow, the stage and its child are gone within 2 s and a rerun then succeeds")
    func killNine() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow())
        let run = try CLI.start(["run", "-C", dir.path])
        let pids = try Self.stagePids(dir)
        #expect(Self.running(pids.stage) && Self.running(pids.child))
        kill(run.pid, SIGKILL)
        _ = run.wait()
        let gone = Self.secondsUntilGone([pids.stage, pids.child], limit: 5)
        #expect(gone != nil && gone! < 2, "stage processes still running \(gone.map { "\($0) s" } ?? "after 5 s")")
        let ticks = dir.read("lt.ticks")
        usleep(200_000)
        #expect(dir.read("lt.ticks") == ticks, "something still writes lt.ticks")

        dir.write("lt.release", "")
        let rerun = try CLI.run(["run", "-C", dir.path, "--no-wait"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(dir.read("out.txt") == "done\n")
    }

    @Test("the lock stays held while any process of a killed run lives: --no-wait refuses, a waiting run starts after it is gone")
    func lockHeldByLeftovers() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow(escape: true))
        let run = try CLI.start(["run", "-C", dir.path])
        let pids = try Self.stagePids(dir)
        let killed = run.pid
        kill(killed, SIGKILL)
        _ = run.wait()
        // The escaped child is out of reach of the supervisor, but still holds the lock.
        #expect(Self.secondsUntilGone([pids.stage], limit: 2) != nil)
        try #require(Self.running(pids.child))
        #expect(!Self.lockIsFree(dir))
        let refused = try CLI.run(["run", "-C", dir.path, "--no-wait"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "studyflow: error: workspace '\(dir.path)' is locked by stage processes left by studyflow (pid \(killed), which has exited); wait for it or drop --no-wait\n")

        let waiting = try CLI.start(["run", "-C", dir.path, "--json"])
        var polls = 0
        while !waiting.stderrSoFar.contains("waiting"), polls < 100 { usleep(20_000); polls += 1 }
        #expect(waiting.stderrSoFar == "studyflow: waiting for stage processes left by studyflow (pid \(killed), which has exited) to finish its run of this workspace…\n")
        #expect(!dir.exists("out.txt"))
        dir.write("lt.release", "")
        #expect(Self.secondsUntilGone([pids.child], limit: 2) != nil)
        let second = waiting.wait()
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("\"ran\":[\"loop\"]"))
        #expect(dir.read("out.txt") == "done\n")
    }

    @Test("SIGHUP and SIGTERM stop the stages like Ctrl-C and exit 128 + the signal; the rerun completes",
          arguments: [SIGHUP, SIGTERM])
    func hangupAndTerminate(signal: Int32) throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow())
        let run = try CLI.start(["run", "-C", dir.path])
        let pids = try Self.stagePids(dir)
        kill(run.pid, signal)
        let result = run.wait()
        #expect(result.status == 128 + signal)
        #expect(result.stderr.contains("studyflow: interrupted; finished stages are cached, rerun 'studyflow run' to continue\n"))
        #expect(Self.secondsUntilGone([pids.stage, pids.child], limit: 1) != nil)
        #expect(!dir.exists("out.txt"))

        dir.write("lt.release", "")
        let rerun = try CLI.run(["run", "-C", dir.path, "--no-wait", "--json"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("\"ran\":[\"loop\"]"))
        #expect(dir.read("out.txt") == "done\n")
    }
}

extension StageLifetimeTests {
    @Test("SIGHUP and SIGTERM of a SLURM run cancel its jobs with scancel and exit 128 + the signal",
          arguments: [SIGHUP, SIGTERM])
    func slurmJobsCancelled(signal: Int32) throws {
        let slurm = FakeSlurm()
        slurm.set("hold")
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", "name: s\nstages:\n  a:\n    run: echo a > ${outputs}\n    outputs: [a.txt]\n")
        let env = ["PATH": slurm.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        let run = try CLI.start(["run", "-C", dir.path, "--executor", "slurm", "--poll-interval", "0.05"], environment: env)
        var polls = 0
        while slurm.calls("sbatch").isEmpty, polls < 250 { usleep(20_000); polls += 1 }
        try #require(!slurm.calls("sbatch").isEmpty)
        kill(run.pid, signal)
        let result = run.wait()
        #expect(result.status == 128 + signal, "\(result.stderr)")
        #expect(slurm.calls("scancel") == ["1"])
    }
}

/// `/proc/PID/stat`, or nil when there is no such process.
private func procStat(_ pid: Int32) -> String? {
    try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
}
