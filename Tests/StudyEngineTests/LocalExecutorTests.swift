#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import StudyCore
import StudyEngine
import Synchronization
import Testing
import _StudyTestSupport

/// `LocalExecutor` with real child processes (`/bin/sh -c`): exit statuses, logs, environment,
/// quoting, descriptor hygiene and cancellation.
@Suite("Local executor")
struct LocalExecutorTests {
    /// A shell job in `directory`, logging to `log.txt` there.
    private func job(_ command: String, in directory: TemporaryDirectory, environment: [String: String] = [:]) -> StageJob {
        StageJob(stage: "s", action: .shell(command), root: directory.path, environment: environment,
                 logPath: directory.path + "/log.txt")
    }

    @Test("exit 0 succeeds")
    func exitZero() {
        let dir = TemporaryDirectory()
        #expect(LocalExecutor().execute(job("true", in: dir)) == .succeeded)
    }

    @Test("a non-zero exit is a failed result with the status")
    func exitThree() {
        let dir = TemporaryDirectory()
        #expect(LocalExecutor().execute(job("exit 3", in: dir)) == .failed(status: 3, message: "exited with status 3"))
    }

    @Test("death by a signal is a failed result with 128 + signal")
    func killedBySignal() {
        let dir = TemporaryDirectory()
        #expect(LocalExecutor().execute(job("kill -KILL $$", in: dir)) == .failed(status: 137, message: "killed by signal 9"))
    }

    @Test("a command that is not found fails with status 127")
    func commandNotFound() {
        let dir = TemporaryDirectory()
        guard case .failed(let status, _) = LocalExecutor().execute(job("no-such-command-studyflow", in: dir)) else {
            Issue.record("expected a failure")
            return
        }
        #expect(status == 127)
    }

    @Test("stdout and stderr go to the log file, appended")
    func logFile() {
        let dir = TemporaryDirectory()
        dir.write("log.txt", "earlier\n")
        #expect(LocalExecutor().execute(job("echo out; echo err >&2", in: dir)) == .succeeded)
        #expect(dir.read("log.txt") == "earlier\nout\nerr\n")
    }

    @Test("the command runs in the workspace root with stdin from /dev/null")
    func workingDirectoryAndStdin() {
        let dir = TemporaryDirectory()
        #expect(LocalExecutor().execute(job("pwd; cat; echo end", in: dir)) == .succeeded)
        #expect(dir.read("log.txt") == dir.path + "\nend\n")
    }

    @Test("the job's environment is added to the inherited one")
    func environment() {
        let dir = TemporaryDirectory()
        let outcome = LocalExecutor().execute(job("echo \"$STUDYFLOW_PARAM_X|$STUDYFLOW_STAGE\"; test -n \"$PATH\"", in: dir,
                                                  environment: ["STUDYFLOW_PARAM_X": "7 and a half", "STUDYFLOW_STAGE": "s"]))
        #expect(outcome == .succeeded)
        #expect(dir.read("log.txt") == "7 and a half|s\n")
    }

    @Test("a run exports stage and workflow params as STUDYFLOW_PARAM_*")
    func paramsInRun() throws {
        let ws = TestWorkspace(yaml: """
            name: env
            params: {scale: 2}
            stages:
              show:
                run: "env | grep '^STUDYFLOW_PARAM_' | sort > ${outputs} # ${params.scale}"
                outputs: [out/env.txt]
                params: {threshold: 0.5, label: two words}
            """)
        let summary = try ws.run(RunOptions(jobs: 1), executor: LocalExecutor()).summary
        #expect(summary.ok, "\(summary.results.map { $0.failure ?? "" })")
        #expect(ws.directory.read("out/env.txt") ==
                "STUDYFLOW_PARAM_LABEL=two words\nSTUDYFLOW_PARAM_SCALE=2\nSTUDYFLOW_PARAM_THRESHOLD=0.5\n")
    }

    @Test("paths with spaces, quotes and $(…) stay one word and are never executed")
    func hostilePaths() throws {
        let input = "data/it's a $(touch pwned) `touch pwned2` file.txt"
        let ws = TestWorkspace(yaml: """
            name: quoting
            stages:
              copy:
                run: cat ${inputs.raw} > ${outputs.out}
                inputs: {raw: "\(input)"}
                outputs: {out: "results/out put's $(touch pwned3).txt"}
            """, files: [input: "payload\n"])
        let summary = try ws.run(RunOptions(jobs: 1), executor: LocalExecutor()).summary
        #expect(summary.ok, "\(summary.results.map { $0.failure ?? "" })")
        #expect(ws.directory.read("results/out put's $(touch pwned3).txt") == "payload\n")
        for file in ["pwned", "pwned2", "pwned3", "data/pwned", "results/pwned"] {
            #expect(!ws.directory.exists(file), "\(file) was created: the path was executed")
        }
        let again = try ws.run(RunOptions(jobs: 1), executor: LocalExecutor()).summary
        #expect(again.ids(.cached) == ["copy"])
    }

    @Test("no descriptor of the parent leaks into the child")
    func noDescriptorLeak() throws {
        let dir = TemporaryDirectory()
        dir.write("held.txt", "held\n")
        // Deliberately without O_CLOEXEC, as a careless library might open it.
        let held = open(dir.path + "/held.txt", O_RDONLY)
        try #require(held >= 0)
        defer { close(held) }
        let pipeEnds = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
        defer { pipeEnds.deallocate() }
        try #require(pipe(pipeEnds) == 0)
        defer { close(pipeEnds[0]); close(pipeEnds[1]) }

        #expect(LocalExecutor().execute(job("ls /proc/self/fd", in: dir)) == .succeeded)
        let listed = Set((dir.read("log.txt") ?? "").split(separator: "\n").map(String.init))
        // 0, 1, 2 and the directory `ls` itself opens to list /proc/self/fd.
        let extra = listed.subtracting(["0", "1", "2"])
        #expect(extra.count <= 1, "descriptors open in the child: \(listed.sorted())")
        for fd in [held, pipeEnds[0], pipeEnds[1]] where fd > 3 {
            #expect(!listed.contains(String(fd)), "descriptor \(fd) leaked: \(listed.sorted())")
        }
    }

    @Test("cancelAll stops a running command promptly and kills its whole process group")
    func cancel() throws {
        let dir = TemporaryDirectory()
        let executor = LocalExecutor()
        let outcome = Mutex<StageOutcome?>(nil)
        let done = DispatchSemaphore(value: 0)
        let start = SystemClock.monotonicSeconds()
        DispatchQueue.global().async {
            // `sleep` runs as a child of the shell (not exec'd), so it is a second member of the group.
            let result = executor.execute(job("echo $$ > group.pid; sleep 30; echo finished", in: dir))
            outcome.withLock { $0 = result }
            done.signal()
        }
        var group: Int32 = 0
        for _ in 0..<500 {
            if let text = dir.read("group.pid"), text.hasSuffix("\n"), let pid = Int32(text.dropLast()) {
                group = pid
                break
            }
            usleep(10_000)
        }
        try #require(group > 0)
        // Let the shell start `sleep`.
        var polls = 0
        while livingMembers(ofGroup: group).count < 2, polls < 100 { usleep(10_000); polls += 1 }
        #expect(livingMembers(ofGroup: group).count == 2)

        executor.cancelAll()
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(SystemClock.monotonicSeconds() - start < 5)
        #expect(outcome.withLock { $0 } == .cancelled)
        polls = 0
        while !livingMembers(ofGroup: group).isEmpty, polls < 200 { usleep(10_000); polls += 1 }
        #expect(livingMembers(ofGroup: group).isEmpty, "still running in group \(group)")
        #expect(dir.read("log.txt")?.contains("finished") != true)
    }

    @Test("after cancelAll, new jobs are not started")
    func cancelledExecutorStartsNothing() {
        let dir = TemporaryDirectory()
        let executor = LocalExecutor()
        executor.cancelAll()
        #expect(executor.execute(job("touch started", in: dir)) == .cancelled)
        #expect(!dir.exists("started"))
    }

    @Test("a run's stage log lands in .studyflow/logs/RUN/STAGE.log")
    func stageLogInRun() throws {
        let ws = TestWorkspace(yaml: """
            name: logs
            stages:
              talk:
                run: echo said; echo warned >&2; echo data > ${outputs}
                outputs: [out/data.txt]
            """)
        let summary = try ws.run(RunOptions(jobs: 1), executor: LocalExecutor()).summary
        let result = try #require(summary.results.first)
        #expect(result.status == .ran)
        #expect(result.logPath == ws.layout.log(run: 1, stage: "talk"))
        #expect(FileIO.readText(ws.layout.log(run: 1, stage: "talk")) == "said\nwarned\n")
    }

    @Test("retries of a shell stage append to one log, each attempt under a header")
    func retriesInRun() throws {
        let ws = TestWorkspace(yaml: """
            name: flaky
            stages:
              flaky:
                run: "if [ -f .attempted ]; then echo second; echo ok > ${outputs}; else touch .attempted; echo first; exit 1; fi"
                outputs: [out/flaky.txt]
                retries: 1
            """)
        let summary = try ws.run(RunOptions(jobs: 1), executor: LocalExecutor()).summary
        let result = try #require(summary.results.first)
        #expect(result.status == .ran)
        #expect(result.attempts == 2)
        #expect(FileIO.readText(ws.layout.log(run: 1, stage: "flaky")) ==
                "first\n\n--- studyflow: attempt 2 of 2 ---\nsecond\n")
    }

    @Test("a failing command fails its stage with the status and the tail of its log")
    func failureInRun() throws {
        let ws = TestWorkspace(yaml: """
            name: failing
            stages:
              broken:
                run: echo about to fail; exit 4
                outputs: [out/never.txt]
            """)
        let summary = try ws.run(RunOptions(jobs: 1), executor: LocalExecutor()).summary
        let result = try #require(summary.results.first)
        #expect(result.status == .failed)
        #expect(result.exitStatus == 4)
        let log = ws.layout.log(run: 1, stage: "broken")
        #expect(result.failure == "stage 'broken' failed: exited with status 4\n--- last lines of \(log) ---\nabout to fail")
    }
}

/// Pids of processes in process group `group` that are not zombies (from `/proc/PID/stat`).
func livingMembers(ofGroup group: Int32) -> [Int32] {
    guard let names = try? FileIO.listDirectory("/proc") else { return [] }
    var members: [Int32] = []
    for name in names {
        guard let pid = Int32(name), let stat = FileIO.readText("/proc/\(name)/stat"),
              let close = stat.lastIndex(of: ")") else { continue }
        // After "comm)": state, ppid, pgrp, …
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, fields[0] != "Z", fields[0] != "X", Int32(fields[2]) == group else { continue }
        members.append(pid)
    }
    return members
}

/// Ctrl-C during a run with real processes: the running stage stops, nothing is recorded for it,
/// the rest is skipped, and the next run completes.
@Suite("Interrupting a run")
struct InterruptTests {
    @Test("interrupt stops the running stage, reports it interrupted (not failed), records nothing for it, and skips the rest")
    func interruptRun() throws {
        let ws = TestWorkspace(yaml: """
            name: slow
            stages:
              slow:
                run: echo started > ${outputs}.started; sleep 30; echo done > ${outputs}
                outputs: [out/slow.txt]
              after:
                run: cat ${inputs} > ${outputs}
                inputs: [out/slow.txt]
                outputs: [out/after.txt]
            """)
        let runner = Runner(workspace: try ws.workspace(), executor: LocalExecutor(), options: RunOptions(jobs: 1),
                            observers: [], run: 1)
        let result = Mutex<Result<RunSummary, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let r = Result { try runner.execute() }
            result.withLock { $0 = r }
            done.signal()
        }
        var polls = 0
        while !ws.directory.exists("out/slow.txt.started"), polls < 500 { usleep(10_000); polls += 1 }
        try #require(ws.directory.exists("out/slow.txt.started"))
        let start = SystemClock.monotonicSeconds()
        runner.interrupt()
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(SystemClock.monotonicSeconds() - start < 5)
        let summary = try #require(try result.withLock { $0 }?.get())
        #expect(summary.interrupted)
        #expect(!summary.ok)
        #expect(summary.ids(.interrupted) == ["slow"])
        #expect(summary.ids(.failed) == [])
        #expect(summary.ids(.skipped) == ["after"])
        #expect(summary.outcome == .interrupted)
        #expect(summary.results.first?.failure == "stage 'slow' was interrupted")

        let next = try ws.run(RunOptions(jobs: 1), executor: try ws.fake()).summary
        #expect(next.ok)
        #expect(next.ids(.ran) == ["after", "slow"])
        #expect(next.reasons("slow") == [.neverRun])
    }
}
