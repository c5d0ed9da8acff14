#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import StudyCore
@testable import StudyEngine
import Synchronization
import Testing
import _StudyTestSupport

/// Faults of a real cluster, decided without one (fake squeue output and fake tools): pending
/// reasons read from squeue, jobs lost with their node, a controller that does not answer for a
/// while, jobs cancelled from outside, and queued array tasks withdrawn after a failure.
@Suite("SLURM faults")
struct SlurmFaultTests {
    /// Collects what observers hear.
    final class Notes: RunObserver, @unchecked Sendable {
        private let notes = Mutex<[StageNote]>([])
        private let failures = Mutex<[AttemptFailure]>([])
        func handle(_ event: RunEvent) {
            if case .stageNotes(let batch) = event { notes.withLock { $0 += batch } }
            if case .attemptFailed(let failure) = event { failures.withLock { $0.append(failure) } }
        }
        var all: [StageNote] { notes.withLock { $0 } }
        var retries: [String] { failures.withLock { $0.map(\.description) } }
    }

    @Test("squeue's %i|%T|%r lines give each task's state and reason, reasons with spaces and commas kept whole")
    func parseQueue() {
        // squeue 22.05's output on the local cluster with its node DOWN (plus an old `ID STATE` line).
        let text = """
        7_[0-2]|PENDING|Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions,BeginTime
        8|NODE_FAIL|NodeDown
        9_0|RUNNING|None
        9_[1-2%2]|PENDING|JobArrayTaskLimit
        10|PENDING|ReqNodeNotAvail, UnavailableNodes:vm
        11 CANCELLED

        """
        let queue = SlurmQueue.parse(text)
        let down = "Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions,BeginTime"
        #expect(queue.states == ["7_0": "PENDING", "7_1": "PENDING", "7_2": "PENDING", "8": "NODE_FAIL", "9_0": "RUNNING",
                                 "9_1": "PENDING", "9_2": "PENDING", "10": "PENDING", "11": "CANCELLED"])
        #expect(queue.reasons == ["7_0": down, "7_1": down, "7_2": down, "8": "NodeDown", "9_1": "JobArrayTaskLimit",
                                  "9_2": "JobArrayTaskLimit", "10": "ReqNodeNotAvail, UnavailableNodes:vm"])
        #expect(queue.notableReason("7_1") == down)
        #expect(queue.notableReason("10") == "ReqNodeNotAvail, UnavailableNodes:vm")
        // Ordinary queueing, a job no longer pending, and an unknown job say nothing.
        #expect(queue.notableReason("9_1") == nil)
        #expect(queue.notableReason("8") == nil)
        #expect(queue.notableReason("99") == nil)
        #expect(SlurmQueue.arguments == ["--noheader", "--me", "--states=all", "--format=%i|%T|%r"])
    }

    /// Counts squeue calls.
    final class Calls: Sendable {
        private let count = Mutex(0)
        func next() -> Int { count.withLock { c -> Int in c += 1; return c } }
        func withLock<T>(_ body: (inout Int) -> T) -> T { count.withLock { body(&$0) } }
    }

    /// A poller whose squeue answers are `answers` in turn (the last one repeating; `nil` = failed).
    private func poller(_ answers: [SlurmQueue?], failureLimit: Double = 120) -> (SlurmPoller, Calls) {
        let calls = Calls()
        let poller = SlurmPoller(interval: 0.05, lostGrace: 0.1, tick: 0.01, failureLimit: failureLimit, queue: {
            answers[min(calls.next(), answers.count) - 1]
        })
        return (poller, calls)
    }

    private func end(of poller: SlurmPoller, _ id: String, file: String, stage: String = "s") -> JobEnd? {
        let group = DispatchGroup(), end = Mutex<JobEnd?>(nil)
        group.enter()
        _ = poller.watch(id, statusFile: file, stage: stage) { e in end.withLock { $0 = e }; group.leave() }
        guard group.wait(timeout: .now() + 10) == .success else { return nil }
        return end.withLock { $0 }
    }

    @Test("a running job whose node fails (NODE_FAIL) or that SLURM requeues is lost, not waited on")
    func lostWithItsNode() {
        let dir = TemporaryDirectory()
        let running = SlurmQueue(states: ["1": "RUNNING", "2": "RUNNING"])
        let (failed, _) = poller([running, running, SlurmQueue(states: ["1": "NODE_FAIL"])])
        #expect(end(of: failed, "1", file: dir.path + "/1.status") == .vanished(state: "NODE_FAIL"))
        let (requeued, _) = poller([running, SlurmQueue(states: ["2": "PENDING"], reasons: ["2": "BeginTime"])])
        #expect(end(of: requeued, "2", file: dir.path + "/2.status") == .vanished(state: "REQUEUED"))
        // Pending from the start is only waiting, however long.
        let pending = SlurmQueue(states: ["3": "PENDING"], reasons: ["3": "ReqNodeNotAvail"])
        let (waiting, calls) = poller([pending, pending, pending, pending, pending, SlurmQueue(states: ["3": "RUNNING"])])
        let group = DispatchGroup()
        group.enter()
        _ = waiting.watch("3", statusFile: dir.path + "/3.status") { _ in group.leave() }
        for _ in 0..<400 where calls.withLock({ $0 }) < 7 { usleep(10_000) }
        dir.write("3.status", "0\n")
        #expect(group.wait(timeout: .now() + 5) == .success)
    }

    @Test("the messages for jobs SLURM ended name the state, and only a job cancelled on purpose is not retried")
    func lostMessages() {
        func execution(_ state: String?) -> StageExecution {
            SlurmExecutor.execution(.vanished(state: state), id: "12_3", stage: "fan@b")
        }
        #expect(execution("NODE_FAIL") == StageExecution(outcome: .failed(status: 1, message: "job 12_3 of stage 'fan@b' was lost with its node (NODE_FAIL: the node failed or was set DOWN while it ran); 'retries:' reruns it"), jobID: "12_3"))
        #expect(execution("REQUEUED") == StageExecution(outcome: .failed(status: 1, message: "job 12_3 of stage 'fan@b' was lost with its node (SLURM requeued it; studyflow cancelled the copy); 'retries:' reruns it"), jobID: "12_3"))
        #expect(execution("CANCELLED") == StageExecution(outcome: .failed(status: 1, message: "job 12_3 of stage 'fan@b' was cancelled (scancel from outside studyflow, or by the cluster)"), jobID: "12_3", retryable: false))
        #expect(execution(nil).retryable)
        #expect(execution("TIMEOUT").retryable)
    }

    @Test("squeue failing for less than the failure limit is tolerated; past it the jobs fail with how long")
    func controllerOutage() {
        let dir = TemporaryDirectory()
        let (tolerant, calls) = poller([nil, nil, nil, nil, SlurmQueue(states: ["1": "RUNNING"])], failureLimit: 5)
        let group = DispatchGroup(), result = Mutex<JobEnd?>(nil)
        group.enter()
        _ = tolerant.watch("1", statusFile: dir.path + "/1.status") { e in result.withLock { $0 = e }; group.leave() }
        for _ in 0..<400 where calls.withLock({ $0 }) < 6 { usleep(10_000) }
        dir.write("1.status", "0\n")
        #expect(group.wait(timeout: .now() + 5) == .success)
        #expect(result.withLock { $0 } == .exited(0))
        let (strict, _) = poller([nil], failureLimit: 0.2)
        guard case .pollFailed(let message)? = end(of: strict, "2", file: dir.path + "/2.status") else {
            Issue.record("expected pollFailed")
            return
        }
        #expect(message.hasPrefix("squeue has failed for "))
    }

    @Test("a pending job's notable reason is noted once per change, with its stage; ordinary queueing is not")
    func reasonNotes() {
        let dir = TemporaryDirectory()
        let down = "Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions"
        let pending = SlurmQueue(states: ["1": "PENDING", "2": "PENDING"], reasons: ["1": down, "2": "Priority"])
        let (poller, calls) = poller([pending, pending, pending, SlurmQueue(states: ["1": "RUNNING", "2": "RUNNING"])])
        let notes = Mutex<[StageNote]>([])
        poller.observe { batch in notes.withLock { $0 += batch } }
        let group = DispatchGroup()
        for id in ["1", "2"] {
            group.enter()
            _ = poller.watch(id, statusFile: dir.path + "/\(id).status", stage: "fan@\(id)") { _ in group.leave() }
        }
        for _ in 0..<400 where calls.withLock({ $0 }) < 5 { usleep(10_000) }
        dir.write("1.status", "0\n")
        dir.write("2.status", "0\n")
        #expect(group.wait(timeout: .now() + 5) == .success)
        #expect(notes.withLock { $0 } == [StageNote(stage: "fan@1", kind: .queued(reason: down)),
                                           StageNote(stage: "fan@1", kind: .queued(reason: nil))])
    }

    @Test("sbatch is tried again while the controller cannot be reached, and the job then runs")
    func sbatchWaitsOutAnOutage() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        slurm.set("unreachable", "2")
        let executor = try SlurmExecutor(settings: slurm.settings())
        try FileIO.createDirectories(dir.path + "/logs")
        let job = StageJob(stage: "a", action: .shell("echo a > a.txt"), root: dir.path, environment: [:], logPath: dir.path + "/logs/a.log")
        #expect(executor.submit(job) == StageExecution(outcome: .succeeded, jobID: "1"))
        #expect(slurm.calls("sbatch").count == 3)
        #expect(dir.read("a.txt") == "a\n")
        // A rejection is not an outage: no second try.
        slurm.set("reject", "sbatch: error: Batch job submission failed: Invalid account")
        _ = executor.submit(job)
        #expect(slurm.calls("sbatch").count == 4)
    }

    @Test("a job lost with its node is retried when retries allow, with a note saying why; a cancelled one is not")
    func lostJobRetried() throws {
        let slurm = FakeSlurm()
        slurm.set("lose")
        slurm.set("states", "1 NODE_FAIL\n2 NODE_FAIL\n3 CANCELLED\n")
        let ws = TestWorkspace(yaml: """
        name: lost
        stages:
          a:
            run: echo a > ${outputs}
            outputs: [out/a.txt]
            retries: 1
        """)
        let notes = Notes()
        let summary = try ws.run(RunOptions(jobs: 1), executor: try SlurmExecutor(settings: slurm.settings()), observers: [notes]).summary
        let a = try #require(summary.results.first)
        #expect(a.status == .failed)
        #expect(a.attempts == 2)
        // (The failure ends with the tail of the log: the second attempt's heading.)
        #expect(a.failure?.hasPrefix("stage 'a' failed: job 2 of stage 'a' was lost with its node (NODE_FAIL: the node failed or was set DOWN while it ran); 'retries:' reruns it") == true,
                "\(a.failure ?? "")")
        #expect(notes.retries == ["stage 'a' attempt 1 of 2 failed (job 1 of stage 'a' was lost with its node (NODE_FAIL: the node failed or was set DOWN while it ran); 'retries:' reruns it); retrying"])
        // Job 3 is cancelled from outside: retries left, but no second attempt.
        let again = try ws.run(RunOptions(jobs: 1), executor: try SlurmExecutor(settings: slurm.settings())).summary
        let cancelled = try #require(again.results.first)
        #expect(cancelled.attempts == 1)
        #expect(cancelled.failure?.hasPrefix("stage 'a' failed: job 3 of stage 'a' was cancelled (scancel from outside studyflow, or by the cluster)") == true)
        #expect(slurm.calls("sbatch").count == 3)
    }

    @Test("without -k a failing instance withdraws the array's queued tasks one by one; running ones finish; a rerun redoes only what did not run")
    func failureWithdrawsQueuedTasks() throws {
        let slurm = FakeSlurm(), fix = TemporaryDirectory()
        // The fake runs an array's tasks one after another, each 1 s, except k2, which fails at
        // once (until the fix exists, outside the workspace so no key changes). The tasks before
        // k2's ran; the ones after it, but the next (it may have started before the withdrawal's
        // squeue), are withdrawn.
        let yaml = """
        name: partial
        stages:
          fan:
            foreach: [k0, k1, k2, k3, k4]
            run: "[ ${each.key} != k2 ] || [ -e \(fix.path)/fixed ] || exit 3; sleep 1; echo ${each.key} > ${outputs.out}"
            outputs:
              out: out/${each.key}.txt
        """
        let ws = TestWorkspace(yaml: yaml)
        let summary = try ws.run(RunOptions(jobs: 5), executor: try SlurmExecutor(settings: slurm.settings(throttle: 1))).summary
        #expect(summary.ids(.failed) == ["fan@k2"])
        let ran = summary.ids(.ran), skipped = summary.ids(.skipped)
        let manifest = try #require(ws.directory.read(".studyflow/logs/1/fan.array-1.manifest"))
        let order = manifest.split(separator: "\n").map { String($0.split(separator: " ")[1]) }
        let failing = try #require(order.firstIndex(of: "fan@k2"))
        #expect(Set(order[..<failing]).isSubset(of: ran), "ran \(ran), order \(order)")
        #expect(Set(order.dropFirst(failing + 2)).isSubset(of: skipped), "skipped \(skipped), order \(order)")
        #expect(ran.count + skipped.count == 4)
        let withdrawn = summary.results.filter { $0.status == .skipped }
        #expect(withdrawn.allSatisfy { $0.failure == nil && $0.attempts == 0 })
        // One scancel, task by task, of exactly the withdrawn tasks: never the whole array.
        let ids = withdrawn.compactMap(\.jobID).sorted()
        #expect(slurm.calls("scancel") == (ids.isEmpty ? [] : [ids.joined(separator: " ")]))
        for stage in withdrawn { #expect(ws.directory.read("out/\(stage.stage.dropFirst(4)).txt") == nil) }
        // The rerun (k2 fixed) runs k2 and the withdrawn one, and finds the rest cached.
        fix.write("fixed", "")
        let rerun = try ws.run(RunOptions(jobs: 5), executor: try SlurmExecutor(settings: slurm.settings(throttle: 1))).summary
        #expect(rerun.ids(.ran) == (["fan@k2"] + skipped).sorted())
        #expect(rerun.ids(.cached) == ran)
    }
}
