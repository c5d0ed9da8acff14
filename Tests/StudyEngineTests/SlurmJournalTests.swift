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

/// The SLURM journal (issue 17 item 4): what a run writes as it submits, what survives a crash at
/// any byte, and what the next run makes of it: jobs taken over, cancelled, collected.
@Suite("SLURM journal and reattach")
struct SlurmJournalTests {
    private func entry(_ job: String, task: Int? = nil, stage: String, key: String = "k1", status: String = "/nowhere/s.status") -> JournalEntry {
        JournalEntry(job: job, task: task, stage: stage, key: key, statusFile: status, logPath: "/nowhere/\(stage).log",
                     submitted: 1_700_000_000.25)
    }

    @Test("recorded jobs come back in submission order, minus the collected ones")
    func roundTrip() throws {
        let dir = TemporaryDirectory()
        let journal = SlurmJournal(directory: dir.path + "/journal")
        let entries = [entry("4", stage: "a"), entry("5", task: 0, stage: "b@x"), entry("5", task: 1, stage: "b@y", key: "k2")]
        try journal.record(entries)
        journal.collected(["5_0"])
        #expect(SlurmJournal.pending(in: journal.directory) == [entries[0], entries[2]])
        journal.discard()
        #expect(!dir.exists("journal"))
    }

    @Test("a journal cut short at any byte yields exactly the complete lines before the cut")
    func tornAtEveryByte() throws {
        let dir = TemporaryDirectory()
        let journal = SlurmJournal(directory: dir.path)
        let entries = (0..<4).map { entry(String(10 + $0), stage: "s\($0)", key: "key \"\($0)\"\n") }
        for e in entries { try journal.record([e]) }
        let bytes = Array((FileIO.readText(journal.file) ?? "").utf8)
        let ends = bytes.indices.filter { bytes[$0] == UInt8(ascii: "\n") }
        #expect(ends.count == 4)
        for cut in 0...bytes.count {
            let text = String(decoding: bytes[..<cut], as: UTF8.self)
            let complete = ends.filter { $0 < cut }.count
            #expect(SlurmJournal.pending(texts: [text]) == Array(entries.prefix(complete)), "cut at byte \(cut)")
        }
    }

    @Test("lines that are not journal lines (garbage, wrong types, a non-numeric job id) are skipped")
    func foreignLines() {
        let good = entry("3", stage: "a").line()
        let text = "not json\n{\"op\":\"submit\",\"job\":\"x1\",\"stage\":\"a\",\"key\":\"k\",\"status\":\"/s\",\"log\":\"/l\"}\n"
            + "{\"op\":\"submit\",\"job\":\"2\",\"task\":\"1\",\"stage\":\"a\",\"key\":\"k\",\"status\":\"/s\",\"log\":\"/l\"}\n"
            + "[1,2]\n" + good
        #expect(SlurmJournal.pending(texts: [text]) == [entry("3", stage: "a")])
    }

    @Test("appends from many threads at once (the completion queue) each land as one whole line")
    func concurrentAppends() throws {
        let dir = TemporaryDirectory()
        let journal = SlurmJournal(directory: dir.path)
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for i in 0..<40 {
                let e = JournalEntry(job: String(thread + 1), task: i, stage: "s@\(thread)-\(i)", key: String(repeating: "k", count: 64),
                                     statusFile: "/w/\(thread)-\(i).status", logPath: "/w/\(thread)-\(i).log", submitted: 1)
                do { try journal.record([e]) } catch { failures.add(1, ordering: .relaxed) }
                if i % 2 == 1 { journal.collected([e.id]) }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        let pending = SlurmJournal.pending(in: dir.path)
        #expect(pending.count == 160)
        #expect(Set(pending.map(\.id)).count == 160)
        #expect(pending.allSatisfy { $0.task! % 2 == 0 })
        let lines = (FileIO.readText(journal.file) ?? "").split(separator: "\n")
        #expect(lines.count == 480)
        #expect(lines.allSatisfy { (try? JSONValue.parse(Array($0.utf8))) != nil })
    }

    @Test("a job's fate: status file present, queued or running, gone (with SLURM's last state), or unknown when squeue failed")
    func fates() {
        let states = ["6": "RUNNING", "7_2": "PENDING", "8": "CANCELLED"]
        func fate(_ e: JournalEntry, _ states: [String: String]?) -> EarlierJobs.Fate {
            EarlierJobs.fate(of: e, states: states) { $0 == "/done.status" }
        }
        #expect(fate(entry("6", stage: "a", status: "/done.status"), states) == .finished)
        #expect(fate(entry("6", stage: "a"), states) == .running)
        #expect(fate(entry("7", task: 2, stage: "a"), states) == .running)
        #expect(fate(entry("8", stage: "a"), states) == .lost(state: "CANCELLED"))
        #expect(fate(entry("9", stage: "a"), states) == .lost(state: nil))
        #expect(fate(entry("9", stage: "a"), nil) == .running)
    }

    @Test("against the plan: same key matches once, another key or a stage gone is cancelled, a finished mismatch is dropped")
    func checkAgainstPlan() {
        let jobs = EarlierJobs([entry("1", stage: "same"), entry("2", stage: "changed"), entry("3", stage: "gone"),
                                entry("4", stage: "done-changed", status: "/done.status"), entry("5", stage: "later"),
                                entry("6", stage: "unresolved")]) {
            $0.statusFile == "/done.status" ? .finished : .running
        }
        var keys: [String: String?] = ["same": "k1", "changed": "k9", "done-changed": "k9"]
        keys["unresolved"] = .some(nil)
        let first = jobs.check(currentKey: { keys[$0] }, final: false)
        #expect(first.matched.map(\.entry.id) == ["1"])
        #expect(first.cancel.map(\.entry.id) == ["2"])
        #expect(first.cancel.map(\.why) == ["changed (its inputs, parameters or command differ)"])
        let second = jobs.check(currentKey: { $0 == "later" ? "k1" : keys[$0] }, final: true)
        #expect(second.matched.map(\.entry.id) == ["5"])
        #expect(second.cancel.map(\.entry.id) == ["3"])
        #expect(second.cancel.map(\.why) == ["is no longer in the workflow"])
        #expect(jobs.all.map(\.entry.id) == ["1", "5", "6"])
    }

    @Test("a stage submitted twice by the earlier run keeps the later job; the earlier one is superseded")
    func superseded() {
        let jobs = EarlierJobs([entry("1", stage: "a"), entry("2", stage: "a")]) { _ in .running }
        #expect(jobs.all.map(\.entry.id) == ["2"])
        #expect(jobs.superseded.map(\.id) == ["1"])
    }

    @Test("the report says what was reattached and cancelled")
    func reportText() {
        var report = ReattachReport()
        report.finished = 30
        report.running = 7
        report.cancelled = [(entry("12", task: 3, stage: "b@x"), "changed (its inputs, parameters or command differ)")]
        #expect(report.lines == ["reattached to 37 jobs from an earlier run (30 finished, 7 still queued or running)",
                                 "cancelled job 12_3 of an earlier run: stage 'b@x' changed (its inputs, parameters or command differ)"])
    }
}

/// `SlurmExecutor` taking over an earlier run's jobs, against fake SLURM tools (`FakeSlurm`).
@Suite("SLURM reattach")
struct SlurmReattachTests {
    private func job(_ stage: String, key: String?, in dir: TemporaryDirectory) -> StageJob {
        try? FileIO.createDirectories(dir.path + "/logs")
        var job = StageJob(stage: stage, action: .shell("true"), root: dir.path, environment: [:], logPath: dir.path + "/logs/\(stage).log")
        job.key = key
        return job
    }

    private func earlier(_ job: String, task: Int? = nil, stage: String, key: String = "k1", in dir: TemporaryDirectory) -> JournalEntry {
        JournalEntry(job: job, task: task, stage: stage, key: key, statusFile: dir.path + "/old/\(stage).status",
                     logPath: dir.path + "/old/\(stage).log", submitted: 1)
    }

    private func executor(_ slurm: FakeSlurm, _ dir: TemporaryDirectory, journal entries: [JournalEntry]) throws -> SlurmExecutor {
        if !entries.isEmpty { dir.write("journal/100-1.jsonl", entries.map { $0.line() }.joined()) }
        var settings = slurm.settings()
        settings.journalDirectory = dir.path + "/journal"
        return try SlurmExecutor(settings: settings)
    }

    private final class Outcomes: Sendable {
        let values = Mutex<[String: StageExecution]>([:])
    }

    private let outcomes = Outcomes()

    private func started(_ executor: SlurmExecutor, _ job: StageJob) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        let outcomes = self.outcomes
        executor.start(job) { execution in
            outcomes.values.withLock { $0[job.stage] = execution }
            done.signal()
        }
        return done
    }

    @Test("finished jobs are collected and running ones waited for, sbatch never called; changed or vanished stages are cancelled in one scancel of their exact tasks")
    func takeOver() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        dir.write("old/a.status", "0\n")
        dir.write("old/a.log", "a's output\n")
        slurm.set("queue/6", "RUNNING")
        slurm.set("queue/7_2", "PENDING")
        slurm.set("queue/8", "RUNNING")
        let entries = [earlier("5", stage: "a", in: dir), earlier("6", stage: "b", in: dir),
                       earlier("7", task: 2, stage: "c@x", in: dir), earlier("8", stage: "gone", in: dir)]
        let executor = try executor(slurm, dir, journal: entries)
        let keys = ["a": "k1", "b": "k1", "c@x": "k2"]
        let report = try #require(executor.takeStock(currentKey: { keys[$0].map { .some($0) } }, final: true))
        #expect(report.lines == ["reattached to 2 jobs from an earlier run (1 finished, 1 still queued or running)",
                                 "cancelled job 7_2 of an earlier run: stage 'c@x' changed (its inputs, parameters or command differ)",
                                 "cancelled job 8 of an earlier run: stage 'gone' is no longer in the workflow"])
        #expect(slurm.calls("scancel") == ["7_2 8"])
        #expect(slurm.calls("squeue").count == 1)
        // The earlier file is gone; its open jobs are in this process's journal.
        #expect(!dir.exists("journal/100-1.jsonl"))
        #expect(SlurmJournal.pending(in: dir.path + "/journal").map(\.id) == ["5", "6"])

        #expect(executor.reattach(job("a", key: "k1", in: dir)))
        #expect(started(executor, job("a", key: "k1", in: dir)).wait(timeout: .now() + 5) == .success)
        #expect(outcomes.values.withLock { $0["a"] } == StageExecution(outcome: .succeeded, jobID: "5"))
        #expect(dir.read("logs/a.log") == "--- studyflow: output of job 5, submitted by an earlier run (\(dir.path)/old/a.log) ---\na's output\n")

        #expect(executor.reattach(job("b", key: "k1", in: dir)))
        let b = started(executor, job("b", key: "k1", in: dir))
        usleep(300_000)
        #expect(b.wait(timeout: .now()) == .timedOut)
        dir.write("old/b.status", "0\n")
        slurm.clear("queue/6")
        #expect(b.wait(timeout: .now() + 5) == .success)
        #expect(outcomes.values.withLock { $0["b"] } == StageExecution(outcome: .succeeded, jobID: "6"))
        #expect(slurm.calls("sbatch").isEmpty)
        #expect(executor.end() == nil)
        #expect(!dir.exists("journal"))
    }

    @Test("a job gone from the queue without a status fails as lost, saying it came from an earlier run")
    func lost() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        let executor = try executor(slurm, dir, journal: [earlier("9", stage: "x", in: dir)])
        let report = try #require(executor.takeStock(currentKey: { $0 == "x" ? "k1" : nil }, final: true))
        #expect(report.lines == ["reattached to 1 job from an earlier run (1 lost without an exit status)"])
        #expect(executor.reattach(job("x", key: "k1", in: dir)))
        #expect(started(executor, job("x", key: "k1", in: dir)).wait(timeout: .now() + 5) == .success)
        #expect(outcomes.values.withLock { $0["x"] } == StageExecution(
            outcome: .failed(status: 1, message: "job 9 of stage 'x' was cancelled or lost (not in squeue, no exit status) (a job submitted by an earlier run)"),
            jobID: "9"))
    }

    @Test("a job offered without a key (its upstream reran) is not taken over: the earlier job is cancelled before its outputs are cleared")
    func upstreamReran() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        slurm.set("queue/6", "RUNNING")
        let executor = try executor(slurm, dir, journal: [earlier("6", stage: "b", in: dir)])
        _ = executor.takeStock(currentKey: { $0 == "b" ? "k1" : nil }, final: true)
        #expect(!executor.reattach(job("b", key: nil, in: dir)))
        #expect(slurm.calls("scancel") == ["6"])
        #expect(executor.reattachReport.cancelled.map(\.why) == ["reruns after its upstream stages reran"])
    }

    @Test("an earlier job no stage took over is cancelled when the run ends, and the journal is removed")
    func unclaimedAtEnd() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        slurm.set("queue/6", "RUNNING")
        let executor = try executor(slurm, dir, journal: [earlier("6", stage: "b", in: dir)])
        _ = executor.takeStock(currentKey: { $0 == "b" ? "k1" : nil }, final: true)
        let report = try #require(executor.end())
        #expect(report.lines == ["cancelled job 6 of an earlier run: stage 'b' was not needed by this run (up to date, not selected, or not reached)"])
        #expect(slurm.calls("scancel") == ["6"])
        #expect(!dir.exists("journal"))
    }

    @Test("a submitted job is journaled (durably, before it is waited on) until collected")
    func journalsSubmissions() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        let executor = try executor(slurm, dir, journal: [])
        var slow = job("s", key: "abc", in: dir)
        slow.action = .shell("sleep 1")
        let done = DispatchSemaphore(value: 0)
        // A plain stage blocks its worker until the job ends, as in the scheduler's lanes.
        DispatchQueue(label: "test.worker.journal").async { [self, slow] in
            _ = started(executor, slow).wait(timeout: .now() + 20)
            done.signal()
        }
        for _ in 0..<250 where SlurmJournal.pending(in: dir.path + "/journal").isEmpty { usleep(20_000) }
        #expect(slurm.queued == ["1"])
        let pending = SlurmJournal.pending(in: dir.path + "/journal")
        #expect(pending.map(\.id) == ["1"])
        #expect(pending.first.map { [$0.stage, $0.key, $0.statusFile, $0.logPath] } == ["s", "abc", dir.path + "/logs/s.status", dir.path + "/logs/s.log"])
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(SlurmJournal.pending(in: dir.path + "/journal").isEmpty)
        #expect(executor.end() == nil)
        #expect(!dir.exists("journal"))
    }
}

/// A run that takes over an earlier run's array tasks, end to end through the runner.
@Suite("SLURM reattach through the runner")
struct SlurmReattachRunTests {
    @Test("an earlier run's finished task is collected, its running task waited for with its outputs left alone, a changed one cancelled and resubmitted")
    func rerun() throws {
        let slurm = FakeSlurm()
        let ws = TestWorkspace(yaml: """
        name: fan
        stages:
          fan:
            foreach: [k0, k1, k2]
            run: echo ${each.key} > ${outputs.out}
            outputs:
              out: out/${each.key}.txt
        """)
        let workspace = try ws.workspace()
        let stages = workspace.compiled.workflow.stages
        func key(_ stage: String) -> String { SlurmExecutor.currentKey(workspace, stages.firstIndex { $0.id == stage }!)! }
        let old = ws.directory.path + "/.studyflow/logs/1/"
        func entry(_ task: Int, key: String) -> JournalEntry {
            JournalEntry(job: "7", task: task, stage: "fan@k\(task)", key: key, statusFile: old + "fan@k\(task).status",
                         logPath: old + "fan@k\(task).log", submitted: 1)
        }
        ws.directory.write(".studyflow/logs/1/fan@k0.status", "0\n")
        ws.directory.write("out/k0.txt", "k0\n")
        ws.directory.write("out/k1.txt", "k1\n")
        slurm.set("queue/7_1", "RUNNING")
        slurm.set("queue/7_2", "RUNNING")
        ws.directory.write(".studyflow/slurm-journal/100-1.jsonl",
                           [entry(0, key: key("fan@k0")), entry(1, key: key("fan@k1")), entry(2, key: String(repeating: "0", count: 64))]
                               .map { $0.line() }.joined())
        var settings = slurm.settings()
        settings.journalDirectory = ws.layout.slurmJournal
        let executor = try SlurmExecutor(settings: settings)
        let report = try #require(executor.begin(workspace, final: true))
        #expect(report.reattached == 2)
        #expect(report.cancelled.map(\.entry.id) == ["7_2"])
        let result = Mutex<RunSummary?>(nil)
        let done = DispatchSemaphore(value: 0)
        let runner = Runner(workspace: workspace, executor: executor, options: RunOptions(jobs: 2), observers: [], run: 2)
        DispatchQueue(label: "test.reattach.run").async {
            let summary = try? runner.execute()
            result.withLock { $0 = summary }
            done.signal()
        }
        for _ in 0..<250 where slurm.calls("sbatch").isEmpty { usleep(20_000) }
        usleep(200_000)
        ws.directory.write(".studyflow/logs/1/fan@k1.status", "0\n")
        slurm.clear("queue/7_1")
        #expect(done.wait(timeout: .now() + 20) == .success)
        let summary = try #require(result.withLock { $0 })
        #expect(summary.ids(.ran) == ["fan@k0", "fan@k1", "fan@k2"], "\(summary.results.compactMap(\.failure))")
        #expect(Dictionary(uniqueKeysWithValues: summary.results.map { ($0.stage, $0.jobID ?? "-") })
                == ["fan@k0": "7_0", "fan@k1": "7_1", "fan@k2": "1_0"])
        #expect(slurm.calls("sbatch").count == 1)
        #expect(slurm.calls("sbatch").first?.contains("--array=0-0%2") == true)
        #expect(slurm.calls("scancel") == ["7_2"])
        for k in 0..<3 { #expect(ws.directory.read("out/k\(k).txt") == "k\(k)\n") }
        #expect(executor.end() == nil)
        #expect(!ws.directory.exists(".studyflow/slurm-journal"))
        let local = try ws.run(RunOptions(jobs: 2), executor: LocalExecutor()).summary
        #expect(local.ids(.cached).count == 3)
    }
}
