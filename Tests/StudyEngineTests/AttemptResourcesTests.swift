import StudyCore
@testable import StudyEngine
import Synchronization
import Testing
import _StudyTestSupport

/// Collects the failed attempts a run reports.
private final class RetryLog: RunObserver, Sendable {
    private let failures = Mutex<[AttemptFailure]>([])
    func handle(_ event: RunEvent) {
        if case .attemptFailed(let failure) = event { failures.withLock { $0.append(failure) } }
    }
    var all: [AttemptFailure] { failures.withLock { $0 } }
    var messages: [String] { all.map(\.description).sorted() }
}

/// Resources per attempt (issue 17 item 3) with fake SLURM tools that kill a job asking too little
/// memory or time the way this machine's SLURM 22.05 does (no status file, `FAILED` or `TIMEOUT`
/// in squeue, slurmstepd's notice in the job's output): the reason is found, shown as an event,
/// and the next attempt asks for the next attempt's resources.
@Suite("Resources per attempt and retries after OUT_OF_MEMORY / TIMEOUT")
struct AttemptResourcesTests {
    private func stage(_ resources: String, retries: Int) -> String {
        """
        name: t
        stages:
          a:
            run: echo a > ${outputs.o}
            outputs: {o: out/a.txt}
            resources: \(resources)
            retries: \(retries)
        """
    }

    private func option(_ name: String, of call: String) -> String? {
        call.split(separator: " ").first { $0.hasPrefix("--\(name)=") }.map { String($0.dropFirst(name.count + 3)) }
    }

    @Test("a job killed for memory is retried with the next attempt's --mem, each failure reported with SLURM's reason")
    func outOfMemory() throws {
        let slurm = FakeSlurm(), retries = RetryLog()
        slurm.set("memory-needed", "150")
        let ws = TestWorkspace(yaml: stage("{memory: \"50M * attempt\"}", retries: 3))
        let summary = try ws.run(executor: try SlurmExecutor(settings: slurm.settings()), observers: [retries]).summary
        #expect(summary.ids(.ran) == ["a"], "\(summary.results.compactMap(\.failure))")
        #expect(summary.results.first?.attempts == 3)
        #expect(slurm.calls("sbatch").map { option("mem", of: $0) } == ["50M", "100M", "150M"])
        #expect(retries.messages == [
            "stage 'a' attempt 1 of 4: OUT_OF_MEMORY (memory 50M); retrying with memory 100M",
            "stage 'a' attempt 2 of 4: OUT_OF_MEMORY (memory 100M); retrying with memory 150M",
        ])
        let first = try #require(retries.all.first { $0.attempt == 1 })
        #expect(first.limit == .memory && first.reason == "OUT_OF_MEMORY" && first.jobID == "1" && first.exitStatus == nil)
        #expect(first.message == "job 1 of stage 'a' ran out of memory (OUT_OF_MEMORY, memory 50M); raise 'resources.memory'")
        #expect(ws.directory.read("out/a.txt") == "a\n")
    }

    @Test("a job killed for time is retried with the next attempt's --time, the reason TIMEOUT")
    func timeout() throws {
        let slurm = FakeSlurm(), retries = RetryLog()
        slurm.set("time-needed", "3")
        let ws = TestWorkspace(yaml: stage("{time: \"1m * attempt\", memory: 1G}", retries: 2))
        let summary = try ws.run(executor: try SlurmExecutor(settings: slurm.settings()), observers: [retries]).summary
        #expect(summary.ids(.ran) == ["a"], "\(summary.results.compactMap(\.failure))")
        #expect(slurm.calls("sbatch").map { option("time", of: $0) } == ["1", "2", "3"])
        #expect(slurm.calls("sbatch").map { option("mem", of: $0) } == ["1024M", "1024M", "1024M"])
        #expect(retries.messages == [
            "stage 'a' attempt 1 of 3: TIMEOUT (time 1m); retrying with time 2m",
            "stage 'a' attempt 2 of 3: TIMEOUT (time 2m); retrying with time 3m",
        ])
    }

    @Test("when no attempt is left the stage fails with SLURM's reason and the limit its last attempt had")
    func exhausted() throws {
        let slurm = FakeSlurm(), retries = RetryLog()
        slurm.set("memory-needed", "1000")
        let ws = TestWorkspace(yaml: stage("{memory: \"50M * attempt\"}", retries: 1))
        let summary = try ws.run(executor: try SlurmExecutor(settings: slurm.settings()), observers: [retries]).summary
        let result = try #require(summary.results.first)
        #expect(result.status == .failed && result.attempts == 2 && result.jobID == "2")
        let log = ws.directory.path + "/.studyflow/logs/1/a.log"
        #expect(result.failure == """
        stage 'a' failed: job 2 of stage 'a' ran out of memory (OUT_OF_MEMORY, memory 100M); raise 'resources.memory'
        --- last lines of \(log) ---
        slurmstepd-fake: error: StepId=1.batch exceeded memory limit (104857600 > 52428800), being killed

        --- studyflow: attempt 2 of 2 ---
        slurmstepd-fake: error: StepId=2.batch exceeded memory limit (104857600 > 52428800), being killed
        """)
        #expect(retries.messages == ["stage 'a' attempt 1 of 2: OUT_OF_MEMORY (memory 50M); retrying with memory 100M"])
        #expect(!ws.directory.exists("out/a.txt"))
    }

    @Test("a plain memory value is retried unchanged, and the message says how to scale it")
    func plainValue() throws {
        let slurm = FakeSlurm(), retries = RetryLog()
        slurm.set("memory-needed", "1000")
        let ws = TestWorkspace(yaml: stage("{memory: 50M}", retries: 1))
        _ = try ws.run(executor: try SlurmExecutor(settings: slurm.settings()), observers: [retries])
        #expect(slurm.calls("sbatch").map { option("mem", of: $0) } == ["50M", "50M"])
        #expect(retries.messages == [
            "stage 'a' attempt 1 of 2: OUT_OF_MEMORY (memory 50M); retrying with the same memory 50M; write '50M * attempt' to raise it per attempt",
        ])
    }

    @Test("fan-out instances killed in a job array are retried as an array with the next attempt's memory")
    func arrays() throws {
        let slurm = FakeSlurm(), retries = RetryLog()
        slurm.set("memory-needed", "100")
        let ws = TestWorkspace(yaml: """
        name: t
        stages:
          fan:
            foreach: [x, y]
            run: echo ${each.key} > ${outputs.o}
            outputs: {o: "out/${each.key}.txt"}
            resources: {memory: "50M * attempt"}
            retries: 1
        """)
        let summary = try ws.run(executor: try SlurmExecutor(settings: slurm.settings()), observers: [retries]).summary
        #expect(summary.ids(.ran) == ["fan@x", "fan@y"], "\(summary.results.compactMap(\.failure))")
        let calls = slurm.calls("sbatch")
        #expect(calls.first.map { option("mem", of: $0) } == "50M")
        #expect(calls.first.map { option("array", of: $0) } == "0-1%2")
        #expect(calls.dropFirst().map { option("mem", of: $0) }.allSatisfy { $0 == "100M" } && calls.count >= 2)
        #expect(retries.messages == [
            "stage 'fan@x' attempt 1 of 2: OUT_OF_MEMORY (memory 50M); retrying with memory 100M",
            "stage 'fan@y' attempt 1 of 2: OUT_OF_MEMORY (memory 50M); retrying with memory 100M",
        ])
        #expect(Set(retries.all.compactMap(\.jobID)) == ["1_0", "1_1"])
        #expect(ws.directory.read("out/x.txt") == "x\n" && ws.directory.read("out/y.txt") == "y\n")
    }

    @Test("locally, expressions in attempt change nothing; a retried failure is reported with its exit status")
    func local() throws {
        let retries = RetryLog()
        let ws = TestWorkspace(yaml: """
        name: t
        stages:
          a:
            run: if [ -f tried ]; then echo a > ${outputs.o}; else touch tried; exit 3; fi
            outputs: {o: out/a.txt}
            resources: {memory: "2G * attempt", time: "30m * attempt"}
            retries: 1
        """)
        let summary = try ws.run(executor: LocalExecutor(), observers: [retries]).summary
        #expect(summary.ids(.ran) == ["a"], "\(summary.results.compactMap(\.failure))")
        #expect(retries.messages == ["stage 'a' attempt 1 of 2 failed (exited with status 3); retrying"])
        let failure = try #require(retries.all.first)
        #expect(failure.reason == "FAILED" && failure.exitStatus == 3 && failure.limit == nil)
        #expect(failure.resources == StageResources(memory: "2G", time: "30m", retries: 1))
        #expect(failure.next == StageResources(memory: "4G", time: "1h", retries: 1))
    }
}

/// Reading why SLURM killed a job from slurmstepd's notices in its output.
@Suite("Job kill evidence")
struct JobKillEvidenceTests {
    @Test("memory (OverMemoryKill and cgroup) and time-limit notices name the job's own id, never a prefix of another's")
    func notices() {
        let text: Substring = """
        slurmstepd-vm: error: StepId=55.batch exceeded memory limit (224952320 > 52428800), being killed
        slurmstepd-vm: error: *** JOB 56 ON vm CANCELLED AT 2026-12-07T08:45:14 DUE TO TIME LIMIT ***
        slurmstepd-vm: error: *** JOB 57 ON vm CANCELLED AT 2026-12-07T08:45:14 ***
        slurmstepd-vm: error: Detected 1 oom-kill event(s) in StepId=58.batch. Some of your processes may have been killed by the cgroup out-of-memory handler.
        """
        #expect(JobKillEvidence.state(in: text, job: "55") == "OUT_OF_MEMORY")
        #expect(JobKillEvidence.state(in: text, job: "5") == nil)
        #expect(JobKillEvidence.state(in: text, job: "56") == "TIMEOUT")
        #expect(JobKillEvidence.state(in: text, job: "57") == nil)
        #expect(JobKillEvidence.state(in: text, job: "58") == "OUT_OF_MEMORY")
    }

    @Test("an array task's notices are found through the job id its wrapper announced")
    func arrayTask() {
        let dir = TemporaryDirectory()
        dir.write("fan.array-1.out", """
        studyflow: task 0 is job 41 (fan@x)
        studyflow: task 1 is job 49 (fan@y)
        slurmstepd-vm: error: StepId=49.batch exceeded memory limit (224952320 > 52428800), being killed
        slurmstepd-vm: error: Exceeded job memory limit

        """)
        let output = dir.path + "/fan.array-1.out"
        #expect(JobKillEvidence.refine(.vanished(state: "FAILED"), id: "41_1", output: output) == .vanished(state: "OUT_OF_MEMORY"))
        #expect(JobKillEvidence.refine(.vanished(state: "FAILED"), id: "41_0", output: output) == .vanished(state: "FAILED"))
        #expect(JobKillEvidence.refine(.exited(137), id: "41_1", output: output) == .vanished(state: "OUT_OF_MEMORY"))
        // The command's own failure and SLURM's own word stand as they are.
        #expect(JobKillEvidence.refine(.exited(1), id: "41_1", output: output) == .exited(1))
        #expect(JobKillEvidence.refine(.vanished(state: "TIMEOUT"), id: "41_1", output: output) == .vanished(state: "TIMEOUT"))
        #expect(JobKillEvidence.refine(.vanished(state: nil), id: "41_1", output: dir.path + "/missing.out") == .vanished(state: nil))
    }
}
